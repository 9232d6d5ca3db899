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

/**
 * Checks the shape of a domain name given to us (as normalizeDomain() returns it); returns a reason
 * when it is not usable, phrased to follow `domain "<input>" `. One line whatever the input: the
 * characters named are quoted (printable ASCII) or written as U+XXXX (anything else).
 */
export function invalidDomainReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  const bad = [...new Set(name.replace(/[a-z0-9._-]/g, ''))];
  if (bad.length > 0) {
    // normalizeDomain() converts every name IDNA accepts, so non-ASCII left over is what IDNA refused.
    const nonAscii = bad.filter((c) => c.codePointAt(0)! > 0x7f);
    if (nonAscii.length > 0 && nonAscii.length === bad.length) {
      return `is not a valid internationalised domain name: IDNA refuses it (it contains ${listChars(nonAscii)})`;
    }
    if (name === '*') return 'is only a wildcard, without a domain name';
    if (bad.length === 1 && bad[0] === '*') {
      return 'has a "*" that is not a leading "*.": only one wildcard label, the leftmost, is allowed';
    }
    return `has characters not allowed in a domain name: ${listChars(bad)} (allowed: letters, digits, "-", "_" and "." between labels)`;
  }
  if (name.length > 253) return `is ${name.length} characters long; a domain name has at most 253`;
  const labels = name.split('.');
  if (labels.length < 2) return 'has a single label';
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'ends in an all-numeric label: an IP address is not a domain name';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label';
    if (label.length > 63) return `has a label of ${label.length} characters; a label has at most 63`;
    if (label.startsWith('-') || label.endsWith('-')) return `has a label that starts or ends with "-" ("${label}")`;
    if (label.startsWith('xn--') && domainToASCII(label) === '') return `has a label that is not valid punycode ("${label}")`;
  }
  if (registrableDomain(name) === undefined) return 'is a public suffix: nobody can own its DNS zone';
  return undefined;
}

/** The hint of every "domain … is not usable" error (exit 64). */
export const DOMAIN_HINT =
  'give the name the certificate is for, as certbot\'s -d takes it: example.com, www.example.com or *.example.com';

/**
 * The one-line message for a domain name given to us (CERTBOT_DOMAIN, --domain, a client's
 * argument) that is not usable, `domain "<input>" <reason>`; undefined when it is usable.
 * Goes with DOMAIN_HINT.
 */
export function invalidDomainMessage(rawDomain: string): string | undefined {
  const invalid = invalidDomainReason(normalizeDomain(rawDomain));
  return invalid === undefined ? undefined : `domain ${quoteDomainInput(rawDomain)} ${invalid}`;
}

/** `" ", ";", "/"` for printable ASCII, `U+200D` for everything else (control characters too). */
function listChars(chars: readonly string[]): string {
  const shown = chars.slice(0, 8).map((c) => {
    const code = c.codePointAt(0)!;
    return code > 0x20 && code < 0x7f ? `"${c}"` : code === 0x20 ? '" " (space)' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
  return `${shown.join(', ')}${chars.length > 8 ? `, and ${chars.length - 8} more` : ''}`;
}

/**
 * A domain name as given (CERTBOT_DOMAIN, --domain, a CNAME target), for quoting in a one-line
 * message: JSON-quoted (so control characters and line breaks show as escapes) and cut to 80
 * characters.
 */
export function quoteDomainInput(raw: string): string {
  const cut = raw.length > 80 ? `${raw.slice(0, 77)}…` : raw;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029\u200b-\u200f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
