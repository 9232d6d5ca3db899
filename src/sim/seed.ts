// Default world: nameservers, accounts, domains and a seed zone shaped like a real GoDaddy zone
// (lexicon's recorded whole-zone GET: two A at @, NS at @, CNAME www -> @, GoDaddy's own
// _domainconnect CNAME, an SPF TXT at @; no SOA in the API listing).

import { Zone, normalizeName, type SimDomain } from './store.js';
import type { SimAccount, SimDomainSeed, SimNameserver, SimRecord } from './types.js';

export const DEFAULT_NAMESERVERS: readonly SimNameserver[] = Object.freeze([
  { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 300 },
  { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 900 },
]);

export const DEFAULT_ACCOUNTS: readonly SimAccount[] = Object.freeze([{ key: 'sim-key', secret: 'sim-secret' }]);

/** The nameserver `elsewhere.test` is publicly delegated to. */
export const ELSEWHERE_NAMESERVER: Readonly<SimNameserver> = Object.freeze({
  name: 'ns1.other-dns.test',
  address: '127.0.0.4',
  delayMs: 0,
});

/** Key of the account that owns `notmine.test` (no such account is configured by default). */
export const FOREIGN_OWNER_KEY = 'someone-else-key';

/** The seed zone for `domain` served by `nameservers`. */
export function seedRecords(nameservers: readonly string[]): SimRecord[] {
  return [
    { type: 'A', name: '@', data: '192.0.2.10', ttl: 600 },
    { type: 'A', name: '@', data: '192.0.2.11', ttl: 600 },
    ...nameservers.map((ns) => ({ type: 'NS', name: '@', data: ns, ttl: 3600 })),
    { type: 'CNAME', name: 'www', data: '@', ttl: 3600 },
    { type: 'CNAME', name: '_domainconnect', data: '_domainconnect.gd.domaincontrol.test', ttl: 3600 },
    { type: 'TXT', name: '@', data: 'v=spf1 include:secureserver.net -all', ttl: 3600 },
  ];
}

/** example.test, other.test, elsewhere.test (delegated away) and notmine.test (another account). */
export function defaultDomainSeeds(firstKey: string): SimDomainSeed[] {
  return [
    { domain: 'example.test', ownerKey: firstKey },
    { domain: 'other.test', ownerKey: firstKey },
    { domain: 'elsewhere.test', ownerKey: firstKey, delegatedTo: [{ ...ELSEWHERE_NAMESERVER }] },
    { domain: 'notmine.test', ownerKey: FOREIGN_OWNER_KEY },
  ];
}

/** Apply defaults to the seeds and build each domain's API zone. */
export function buildDomains(
  seeds: readonly SimDomainSeed[],
  firstKey: string,
  nameservers: readonly SimNameserver[],
  createdAt: number,
): SimDomain[] {
  const nsNames = [...new Set(nameservers.map((ns) => ns.name))];
  return seeds.map((seed, index) => {
    const domain = normalizeName(seed.domain);
    const delegatedTo = seed.delegatedTo?.map((ns) => ({ ...ns }));
    return {
      domain,
      domainId: 100_001 + index,
      ownerKey: seed.ownerKey ?? firstKey,
      status: seed.status ?? 'ACTIVE',
      nameServers: seed.nameServers ?? (delegatedTo ? delegatedTo.map((ns) => ns.name) : nsNames),
      hasZone: seed.hasZone ?? true,
      locked: seed.locked ?? false,
      delegatedTo,
      // GoDaddy keeps its own NS at @ even when the domain is delegated away (n3integration #32).
      zone: new Zone(domain, seed.records ?? seedRecords(nsNames), createdAt),
    };
  });
}

/**
 * The frozen copy an external provider serves for a delegated-away domain: the seed zone with
 * its own NS set. It is built once and never sees API edits.
 */
export function frozenCopy(domain: SimDomain, createdAt: number): Zone {
  const servers = domain.delegatedTo ?? [];
  const records = domain.zone
    .current()
    .records.filter((r) => !(r.type === 'NS' && r.name === '@'))
    .concat(servers.map((ns) => ({ type: 'NS', name: '@', data: ns.name, ttl: 3600 })));
  return new Zone(domain.domain, records, createdAt);
}
