/** Pure name handling: no I/O. */
import { domainToASCII } from 'node:url';
import { registrableDomain } from './public-suffix.js';

export const CHALLENGE_LABEL = '_acme-challenge';

/**
 * Lower case, no trailing dot, no leading "*." (certbot already strips it; other clients may not),
 * and internationalised names in their ASCII (punycode) form, which is what DNS and GoDaddy's API
 * use: `Bücher.example.` → `xn--bcher-kva.example`. A name that cannot be converted is returned
 * lower-cased as it was, for invalidDomainReason() to reject.
 */
export function normalizeDomain(input: string): string {
  let name = input.trim().replace(/[.\u3002\uff0e\uff61]+$/, '');
  if (name.startsWith('*.')) name = name.slice(2);
  if (/[^\x00-\x7f]/.test(name)) {
    // Only for non-ASCII input: WHATWG host parsing would also turn "1.2.3" into an IPv4 address.
    const ascii = domainToASCII(name);
    if (ascii !== '') return ascii.replace(/\.+$/, '');
  }
  return name.toLowerCase();
}

/** Checks the shape of a domain name given to us; returns a reason when it is not usable. */
export function invalidDomainReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return 'is longer than 253 characters';
  const labels = name.split('.');
  if (labels.length < 2) return 'has a single label';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label';
    if (label.length > 63) return 'has a label longer than 63 characters';
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/.test(label)) return `has an invalid label "${label}"`;
  }
  if (registrableDomain(name) === undefined) return 'is a public suffix: nobody can own its DNS zone';
  return undefined;
}

export function challengeName(domain: string): string {
  return `${CHALLENGE_LABEL}.${domain}`;
}

/** `_acme-challenge.www.example.com` in zone `example.com` -> `_acme-challenge.www`; the apex is "@". */
export function relativeName(fqdn: string, zone: string): string {
  if (fqdn === zone) return '@';
  if (!fqdn.endsWith(`.${zone}`)) throw new Error(`${fqdn} is not inside zone ${zone}`);
  return fqdn.slice(0, -(zone.length + 1));
}

export function absoluteName(relative: string, zone: string): string {
  return relative === '@' ? zone : `${relative}.${zone}`;
}

/**
 * The names an SOA walk may accept as the zone of `fqdn`: the name itself and every ancestor down to
 * its registrable domain, longest first. A public suffix (`co.uk`, `com`) is never among them, so a
 * broken or missing SOA answer can never make a public suffix our zone. Empty when `fqdn` is itself
 * a public suffix.
 */
export function zoneCandidates(fqdn: string): string[] {
  const floor = registrableDomain(fqdn);
  if (floor === undefined) return [];
  const labels = fqdn.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - floor.split('.').length; i++) out.push(labels.slice(i).join('.'));
  return out;
}

export function isSelfOrAncestor(ancestor: string, name: string): boolean {
  return name === ancestor || name.endsWith(`.${ancestor}`);
}

/** Shortens a 43-character validation value for messages: enough to tell values apart. */
export function shortValue(value: string): string {
  return value.length > 12 ? `${value.slice(0, 10)}…` : value;
}
