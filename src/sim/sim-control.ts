// The handle a test (or scripts/sim.ts) holds on a running simulator: inspect and seed the
// shared zone store, steer the nameservers, queue API faults, read the logs, close.

import type { FaultQueue, RateLimiter } from './api-limits.js';
import type { ApiContext } from './api-records.js';
import { sameName } from './api-validate.js';
import type { AuthServer } from './dns.js';
import type { SimDomain } from './store.js';
import type {
  NameserverMode,
  SimAccount,
  SimDnsQuery,
  SimFault,
  SimNameserver,
  SimRecord,
  SimRequest,
  SimSwitches,
} from './types.js';

/** A domain as `sim.domains()` reports it. */
export interface SimDomainInfo {
  domain: string;
  ownerKey: string;
  status: string;
  hasZone: boolean;
  locked: boolean;
  /** What the API's domain detail reports. */
  nameServers: string[];
  /** Where the public delegation (the resolver's NS answer) points. */
  publicNameservers: SimNameserver[];
}

/** A running simulator. See the API summary at the top of sim.ts. */
export interface Sim {
  readonly apiUrl: string;
  readonly resolver: string;
  readonly dnsPort: number;
  readonly nameservers: readonly SimNameserver[];
  readonly key: string;
  readonly secret: string;
  /** Live switches: assign fields to change behaviour at run time. */
  readonly switches: SimSwitches;
  readonly requests: readonly SimRequest[];
  readonly dnsQueries: readonly SimDnsQuery[];
  env(): Record<string, string>;
  domains(): SimDomainInfo[];
  txt(zone: string, name: string): string[];
  records(zone: string): SimRecord[];
  setTxt(zone: string, name: string, values: readonly string[], ttl?: number): void;
  setRecords(zone: string, records: readonly SimRecord[]): void;
  published(ns: string | number, fqdn: string): string[];
  publishedAt(ns: string | number, fqdn: string, value: string): number | undefined;
  setNameserverDelay(ns: string | number, delayMs: number): void;
  setNameserverMode(ns: string | number, mode: NameserverMode): void;
  injectFault(fault: SimFault): void;
  clearFaults(): void;
  resetRateLimits(): void;
  close(): Promise<void>;
}

const MAX_LOG = 100_000;
const MAX_DNS_LOG = 10_000;

/** The request and query logs, bounded so a long `npm run sim` does not grow without end. */
export class SimLog {
  readonly requests: SimRequest[] = [];
  readonly dnsQueries: SimDnsQuery[] = [];

  constructor(
    private readonly onRequest?: (request: SimRequest) => void,
    private readonly onDnsQuery?: (query: SimDnsQuery) => void,
  ) {}

  readonly recordRequest = (request: SimRequest): void => {
    push(this.requests, request, MAX_LOG);
    this.onRequest?.(request);
  };

  readonly recordQuery = (query: SimDnsQuery): void => {
    push(this.dnsQueries, query, MAX_DNS_LOG);
    this.onDnsQuery?.(query);
  };
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

export interface ControlDeps {
  apiUrl: string;
  resolver: string;
  dnsPort: number;
  account: Required<SimAccount>;
  ctx: ApiContext;
  godaddy: readonly AuthServer[];
  external: readonly AuthServer[];
  log: SimLog;
  faults: FaultQueue;
  limiter: RateLimiter;
  close: () => Promise<void>;
}

export class SimControl implements Sim {
  readonly apiUrl: string;
  readonly resolver: string;
  readonly dnsPort: number;
  readonly key: string;
  readonly secret: string;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: ControlDeps) {
    this.apiUrl = deps.apiUrl;
    this.resolver = deps.resolver;
    this.dnsPort = deps.dnsPort;
    this.key = deps.account.key;
    this.secret = deps.account.secret;
  }

  get nameservers(): readonly SimNameserver[] {
    return this.deps.godaddy.map((s) => s.ns);
  }

  get switches(): SimSwitches {
    return this.deps.ctx.switches;
  }

  get requests(): readonly SimRequest[] {
    return this.deps.log.requests;
  }

  get dnsQueries(): readonly SimDnsQuery[] {
    return this.deps.log.dnsQueries;
  }

  env(): Record<string, string> {
    return {
      GODADDY_API_URL: this.apiUrl,
      GODADDY_API_KEY: this.key,
      GODADDY_API_SECRET: this.secret,
      ACME_GODADDY_RESOLVERS: this.resolver,
      ACME_GODADDY_DNS_PORT: String(this.dnsPort),
      // The simulated GoDaddy nameservers are *.domaincontrol.test, not GoDaddy's real *.domaincontrol.com.
      ACME_GODADDY_NS_SUFFIXES: this.nsSuffixes().join(','),
    };
  }

  /** Parent domains of the simulated GoDaddy nameservers (`domaincontrol.test` by default). */
  private nsSuffixes(): string[] {
    return [...new Set(this.nameservers.map((ns) => {
      const labels = ns.name.toLowerCase().split('.');
      return labels.length > 2 ? labels.slice(1).join('.') : labels.join('.');
    }))];
  }

  domains(): SimDomainInfo[] {
    return this.deps.ctx.store.all().map((d) => ({
      domain: d.domain,
      ownerKey: d.ownerKey,
      status: d.status,
      hasZone: d.hasZone,
      locked: d.locked,
      nameServers: [...d.nameServers],
      publicNameservers: (d.delegatedTo ?? this.nameservers).map((ns) => ({ ...ns })),
    }));
  }

  txt(zone: string, name: string): string[] {
    return this.records(zone)
      .filter((r) => r.type === 'TXT' && sameName(r.name, name, this.switches))
      .map((r) => r.data);
  }

  records(zone: string): SimRecord[] {
    return this.domain(zone).zone.current().records.map((r) => ({ ...r }));
  }

  setTxt(zone: string, name: string, values: readonly string[], ttl = 600): void {
    const domain = this.domain(zone);
    const others = domain.zone.current().records.filter((r) => !(r.type === 'TXT' && sameName(r.name, name, this.switches)));
    this.deps.ctx.commit(domain, [...others, ...values.map((data) => ({ type: 'TXT', name, data, ttl }))]);
  }

  setRecords(zone: string, records: readonly SimRecord[]): void {
    this.deps.ctx.commit(this.domain(zone), records);
  }

  published(ns: string | number, fqdn: string): string[] {
    return this.server(ns).published(fqdn);
  }

  publishedAt(ns: string | number, fqdn: string, value: string): number | undefined {
    return this.server(ns).publishedAt(fqdn, value);
  }

  setNameserverDelay(ns: string | number, delayMs: number): void {
    this.server(ns).ns.delayMs = delayMs;
  }

  setNameserverMode(ns: string | number, mode: NameserverMode): void {
    this.server(ns).setMode(mode);
  }

  injectFault(fault: SimFault): void {
    this.deps.faults.add(fault);
  }

  clearFaults(): void {
    this.deps.faults.clear();
  }

  resetRateLimits(): void {
    this.deps.limiter.reset();
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.deps.close();
    return this.closing;
  }

  private domain(zone: string): SimDomain {
    const domain = this.deps.ctx.store.get(zone);
    if (!domain || !domain.hasZone) throw new Error(`sim: no zone ${zone}`);
    return domain;
  }

  /** By index into `nameservers`, or by name or address (external servers included). */
  private server(ns: string | number): AuthServer {
    const servers = [...this.deps.godaddy, ...this.deps.external];
    const found =
      typeof ns === 'number'
        ? this.deps.godaddy[ns]
        : servers.find((s) => s.ns.name.toLowerCase() === ns.toLowerCase() || s.ns.address === ns);
    if (!found) throw new Error(`sim: no nameserver ${String(ns)}`);
    return found;
  }
}
