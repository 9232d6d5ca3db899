/**
 * acme-godaddy simulator: a GoDaddy v1 API (node:http), authoritative nameservers (dns2, UDP+TCP,
 * one shared port, one loopback address each) and a recursive resolver, all over ONE zone store.
 * An API write commits a zone version; each nameserver publishes it after its own delay.
 * Nothing here prints; `scripts/sim.ts` is the chatty wrapper.
 *
 * ```ts
 * startSim(opts?: SimOptions): Promise<Sim>
 *
 * interface Sim {
 *   apiUrl: string;                 // http://127.0.0.1:PORT (no /v1)
 *   resolver: string;               // "127.0.0.1:PORT" (UDP+TCP)
 *   dnsPort: number;                // every authoritative server listens on this port
 *   nameservers: readonly SimNameserver[];   // the GoDaddy ones (ns1/ns2.domaincontrol.test)
 *   key: string; secret: string;    // first account
 *   switches: SimSwitches;          // live: mutate fields at run time
 *   requests: readonly SimRequest[];         // API log (never the secret or Authorization)
 *   dnsQueries: readonly SimDnsQuery[];      // last 10000 DNS queries answered
 *   env(): Record<string, string>;  // GODADDY_API_URL/KEY/SECRET, ACME_GODADDY_RESOLVERS, ACME_GODADDY_DNS_PORT, ACME_GODADDY_NS_SUFFIXES
 *   domains(): SimDomainInfo[];
 *   txt(zone, name): string[];      // API view now; name relative ('_acme-challenge.www', '@')
 *   records(zone): SimRecord[];
 *   setTxt(zone, name, values, ttl = 600): void;   // a normal commit ([] removes the RRset)
 *   setRecords(zone, records): void;               // replace the whole API zone (a commit)
 *   published(ns, fqdn): string[];  // TXT values that server serves now; ns = name, address or index
 *   publishedAt(ns, fqdn, value): number | undefined;   // when it started serving it (sim clock)
 *   setNameserverDelay(ns, delayMs): void;
 *   setNameserverMode(ns, mode: NameserverMode): void;  // normal | servfail | refused | truncate | stale | drop | drop-every-N
 *   injectFault(fault: SimFault): void; clearFaults(): void;
 *   resetRateLimits(): void;
 *   close(): Promise<void>;
 * }
 * ```
 * Defaults: nameservers ns1.domaincontrol.test @127.0.0.2 (300 ms) and ns2.domaincontrol.test
 * @127.0.0.3 (900 ms); account sim-key/sim-secret; domains example.test, other.test,
 * elsewhere.test (publicly delegated to ns1.other-dns.test @127.0.0.4, which serves a frozen
 * copy) and notmine.test (owned by another account). All ports random unless given. Options,
 * switches (every [unverified] API behaviour, with its default) and log shapes: types.ts.
 * Nameservers may share a name (e.g. ns1 at 127.0.0.2 and at ::1): the name then resolves to
 * every address, each a server with its own delay and mode.
 *
 * Not simulated: HTTPS; SRV records, `*` wildcards and sub-delegations over DNS; per-NS random
 * delay ranges (delays are fixed, change them with setNameserverDelay); NOTIFY, AXFR, DNSSEC;
 * the v2/v3 APIs; `statusGroups`/`modifiedDate` on `GET /v1/domains` (ignored).
 */

import { startApi } from './api.js';
import { FaultQueue, RateLimiter } from './api-limits.js';
import type { ApiContext } from './api-records.js';
import { AuthServer } from './dns.js';
import { listenDns } from './dns-listen.js';
import { Resolver } from './resolver.js';
import { randomInt, rngStream } from './rng.js';
import { DEFAULT_ACCOUNTS, DEFAULT_NAMESERVERS, buildDomains, defaultDomainSeeds, frozenCopy } from './seed.js';
import { type Sim, SimControl, SimLog } from './sim-control.js';
import { type SimDomain, SimStore, type Zone } from './store.js';
import { DEFAULT_SWITCHES, type SimAccount, type SimNameserver, type SimOptions, type SimSwitches } from './types.js';

export type * from './types.js';
export { DEFAULT_SWITCHES } from './types.js';
export { DEFAULT_NAMESERVERS, ELSEWHERE_NAMESERVER, FOREIGN_OWNER_KEY } from './seed.js';
export type { Sim, SimDomainInfo } from './sim-control.js';

/** Versions older than the slowest server's delay plus this margin are pruned. */
const HISTORY_MARGIN_MS = 5_000;

export async function startSim(opts: SimOptions = {}): Promise<Sim> {
  const now = opts.now ?? Date.now;
  const seed = opts.seed ?? 1;
  const host = opts.host ?? '127.0.0.1';
  const switches: SimSwitches = { ...DEFAULT_SWITCHES, ...opts.switches };
  const nameservers: SimNameserver[] = (opts.nameservers ?? DEFAULT_NAMESERVERS).map((ns) => ({ ...ns }));
  const accounts = withShopperIds(opts.accounts ?? DEFAULT_ACCOUNTS);
  const first = accounts[0];
  if (!first) throw new Error('startSim: at least one account is required');
  const startedAt = now();
  const store = new SimStore(buildDomains(opts.domains ?? defaultDomainSeeds(first.key), first.key, nameservers, startedAt));

  const apiZones = (): Zone[] => store.all().filter((d) => d.hasZone).map((d) => d.zone);
  const godaddy = nameservers.map((ns) => new AuthServer(ns, apiZones, now));
  const external = externalServers(store.all(), startedAt, now);
  const allServers = [...godaddy, ...external.servers];
  checkAddresses(allServers);

  const keepMs = (): number => Math.max(0, ...nameservers.map((ns) => ns.delayMs)) + HISTORY_MARGIN_MS;
  const ctx: ApiContext = {
    store,
    switches,
    now,
    readLagMs: opts.apiReadLagMs ?? 0,
    busyAfterWriteMs: opts.busyAfterWriteMs ?? 0,
    readRng: rngStream(seed, 'read-lag'),
    commit: (domain, records) => {
      domain.zone.commit(records, now(), keepMs());
    },
  };
  const resolver = new Resolver({
    store,
    serversFor: (d) => (d.delegatedTo ? (external.byDomain.get(d.domain) ?? []) : godaddy),
    hosts: hostAddresses(allServers),
    rng: rngStream(seed, 'resolver'),
    now,
    address: host,
  });
  const log = new SimLog(opts.onRequest, opts.onDnsQuery);
  const faults = new FaultQueue();
  const limiter = new RateLimiter(now, opts.rateLimit ?? { limit: 60, windowMs: 60_000 });

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.splice(0).map((close) => close()));
  };
  try {
    const onQuery = log.recordQuery;
    const dns = await listenDns(
      allServers.map((s) => ({ address: s.ns.address, handler: s.handler(onQuery) })),
      opts.dnsPort ?? 0,
    );
    closers.push(dns.close);
    const resolverListeners = await listenDns([{ address: host, handler: resolver.handler(onQuery) }], opts.resolverPort ?? 0);
    closers.push(resolverListeners.close);
    const api = await startApi(
      {
        ctx,
        accounts,
        faults,
        limiter,
        latencyMs: latencyPicker(opts.apiLatencyMs, rngStream(seed, 'latency')),
        requestIdRng: rngStream(seed, 'request-id'),
        record: log.recordRequest,
      },
      host,
      opts.apiPort ?? 0,
    );
    closers.push(api.close);
    return new SimControl({
      apiUrl: api.url,
      resolver: `${host.includes(':') ? `[${host}]` : host}:${resolverListeners.port}`,
      dnsPort: dns.port,
      account: first,
      ctx,
      godaddy,
      external: external.servers,
      log,
      faults,
      limiter,
      close: closeAll,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function withShopperIds(accounts: readonly SimAccount[]): Required<SimAccount>[] {
  return accounts.map((a, i) => ({
    key: a.key,
    secret: a.secret,
    shopperId: a.shopperId ?? String(900_001 + i),
    restricted: a.restricted ?? false,
  }));
}

/** One server per distinct external nameserver; each serves frozen copies of its domains. */
function externalServers(
  domains: readonly SimDomain[],
  startedAt: number,
  now: () => number,
): { servers: AuthServer[]; byDomain: Map<string, AuthServer[]> } {
  const byAddress = new Map<string, { ns: SimNameserver; zones: Zone[] }>();
  for (const domain of domains) {
    if (!domain.delegatedTo || !domain.hasZone) continue;
    const copy = frozenCopy(domain, startedAt);
    for (const ns of domain.delegatedTo) {
      const entry = byAddress.get(ns.address) ?? { ns, zones: [] };
      entry.zones.push(copy);
      byAddress.set(ns.address, entry);
    }
  }
  const servers = [...byAddress.values()].map(({ ns, zones }) => new AuthServer(ns, () => zones, now));
  const byDomain = new Map<string, AuthServer[]>();
  for (const domain of domains) {
    const addresses = new Set(domain.delegatedTo?.map((ns) => ns.address));
    if (addresses.size > 0) byDomain.set(domain.domain, servers.filter((s) => addresses.has(s.ns.address)));
  }
  return { servers, byDomain };
}

/**
 * Nameserver name -> addresses. Two servers may share a name (say ns1 at 127.0.0.2 and at ::1):
 * then the name has both addresses, as a real nameserver with an A and an AAAA record does, and
 * each address keeps its own publish delay and mode.
 */
function hostAddresses(servers: readonly AuthServer[]): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const s of servers) {
    const name = s.ns.name.toLowerCase();
    hosts.set(name, [...(hosts.get(name) ?? []), s.ns.address]);
  }
  return hosts;
}

function checkAddresses(servers: readonly AuthServer[]): void {
  const seen = new Set<string>();
  for (const s of servers) {
    if (seen.has(s.ns.address)) throw new Error(`startSim: two nameservers share the address ${s.ns.address}`);
    seen.add(s.ns.address);
  }
}

function latencyPicker(setting: SimOptions['apiLatencyMs'], rng: () => number): () => number {
  if (setting === undefined) return () => 0;
  if (typeof setting === 'number') return () => setting;
  const [min, max] = setting;
  return () => randomInt(rng, min, max);
}
