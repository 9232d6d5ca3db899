/** Pure name handling: no I/O. */

export const CHALLENGE_LABEL = '_acme-challenge';

/** Lower case, no trailing dot, no leading "*." (certbot already strips it; other clients may not). */
export function normalizeDomain(input: string): string {
  let name = input.trim().toLowerCase().replace(/\.+$/, '');
  if (name.startsWith('*.')) name = name.slice(2);
  return name;
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

/** The name itself and every ancestor with at least two labels, longest first. */
export function zoneCandidates(fqdn: string): string[] {
  const labels = fqdn.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

export function isSelfOrAncestor(ancestor: string, name: string): boolean {
  return name === ancestor || name.endsWith(`.${ancestor}`);
}

/** Shortens a 43-character validation value for messages: enough to tell values apart. */
export function shortValue(value: string): string {
  return value.length > 12 ? `${value.slice(0, 10)}…` : value;
}
