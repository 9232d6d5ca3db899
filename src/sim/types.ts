// Public types of the simulator. Kept apart from sim.ts so every module (store, api, dns,
// resolver) can import them without importing the composition root.

/** One simulated authoritative nameserver. `delayMs` is how long after an API commit it serves it. */
export interface SimNameserver {
  name: string;
  address: string;
  delayMs: number;
}

/**
 * How an authoritative server behaves. `stale` freezes what it serves at the moment the mode is
 * set (it never publishes again); `drop` never answers; `drop-every-N` swallows every Nth query
 * (counted per server) so a client sees timeouts now and then; `refused` answers REFUSED;
 * `truncate` answers every UDP query with TC=1 and no records (TCP is answered in full), like a
 * server that keeps UDP answers small.
 */
export type NameserverMode = 'normal' | 'servfail' | 'refused' | 'truncate' | 'stale' | 'drop' | `drop-every-${number}`;

/** One DNS record as the GoDaddy API stores and returns it (names relative to the zone, `@` = apex). */
export interface SimRecord {
  type: string;
  name: string;
  data: string;
  ttl: number;
  priority?: number;
  port?: number;
  weight?: number;
  protocol?: string;
  service?: string;
}

/** A domain in the simulated GoDaddy account(s). */
export interface SimDomainSeed {
  domain: string;
  /** API key of the owning account. Default: the first account's key. */
  ownerKey?: string;
  /** Default `ACTIVE`. */
  status?: string;
  /** What `GET /v1/domains/{d}` reports. Default: the names of `delegatedTo`, else of the sim nameservers. */
  nameServers?: string[];
  /** `false` = registered but no GoDaddy zone: record endpoints answer 404 UNKNOWN_DOMAIN. Default true. */
  hasZone?: boolean;
  /** Records may not be changed: writes get 409 INACTIVE_DOMAIN (or see the `protection` switch). */
  locked?: boolean;
  /**
   * The public delegation points here instead of at the sim nameservers. These servers serve a
   * frozen copy of the seed zone and never see API edits (GoDaddy keeps the zone, edits have no
   * public effect).
   */
  delegatedTo?: SimNameserver[];
  /** Initial zone. Default: a zone shaped like a real GoDaddy one (see seed.ts). */
  records?: SimRecord[];
}

export interface SimAccount {
  key: string;
  secret: string;
  /** Default: a generated id. `X-Shopper-Id` naming any other shopper gets 403. */
  shopperId?: string;
  /** Subject to the 2024 access restriction (403 ACCESS_DENIED on the restricted set). */
  restricted?: boolean;
}

/**
 * Every behaviour the API doc marks [unverified], as a switch. Defaults follow the doc's
 * "Simulator spec"; tests flip them to check the client copes with either reality.
 */
export interface SimSwitches {
  /** `PUT` with `[]`: 422 INVALID_BODY, or 200 with no change. Never deletes. Default 'reject'. */
  emptyPutArray: 'reject' | 'ignore';
  /** `DELETE` of a name with no records: 404 NOT_FOUND or a clean 204. Default '404'. */
  deleteMissing: '404' | '204';
  /** `name`/`type` in a per-name PUT body that disagree with the path: ignored, or 422. Default 'ignore'. */
  bodyNameMismatch: 'ignore' | 'reject';
  /** `offset` on record GETs: 1-based page number, or a count of records to skip. Default 'page'. */
  offsetMode: 'page' | 'skip';
  /** A record GET past the last page: `[]` or 422. Default 'empty'. */
  pastLastPage: 'empty' | '422';
  /** Whether the `{name}` path segment matches stored names case-sensitively. Default 'sensitive'. */
  nameCase: 'sensitive' | 'insensitive';
  /** The same value twice in one PUT body: 422 DUPLICATE_RECORD, or silently collapsed. Default 'reject'. */
  duplicateInPut: 'reject' | 'collapse';
  /** Record endpoints on a domain owned by another account: 404 UNKNOWN_DOMAIN or 403 ACCESS_DENIED. Default '404'. */
  foreignDomain: '404' | '403';
  /** `{name}` ending in a dot: 422 MISMATCH_FORMAT, or used literally. Default 'reject'. */
  trailingDotName: 'reject' | 'literal';
  /** 429 in window mode carries a `Retry-After` header. Default true. */
  retryAfterHeader: boolean;
  /** 429 in window mode carries `retryAfterSec` in the body. Default true. */
  retryAfterBody: boolean;
  /** 'window': sliding window per (key, route). 'quota': a counter that stays exhausted until `resetRateLimits()`. */
  rateLimitMode: 'window' | 'quota';
  /** Restricted accounts: 'default' = wide reads/writes denied, per-name TXT `_acme-challenge*` allowed; 'all' = everything denied. */
  restrictedSet: 'default' | 'all';
  /** Writes on a `locked` domain: 409 INACTIVE_DOMAIN, or 200 storing `data: ""` ("Domain Protection"). Default 'conflict409'. */
  protection: 'conflict409' | 'storeEmpty';
  /** TTL stored when a PUT element omits `ttl`. Default 3600. */
  missingTtl: number;
  /** Largest accepted TTL. Default 604800. */
  maxTtl: number;
  /** Longest accepted TXT `data`. Default 512. */
  txtMaxLength: number;
  /** Status for a body that is not JSON. Default 400. */
  invalidJsonStatus: 400 | 422;
  /**
   * A missing or malformed `Authorization` header (not `sso-key K:S`): 401 UNABLE_TO_AUTHENTICATE
   * like a wrong key, or a 400 (shape invented: no real example was found). Default '401'.
   */
  malformedAuth: '401' | '400';
  /**
   * A write to a zone busy with another write (S7 `busyAfterWriteMs`): 409 with an empty code, or
   * 422 "Resource is being used in another request" (a third-party claim). Default '409'.
   */
  busyAnswer: '409' | '422';
  /**
   * Most TXT values one name may hold ("no documented limit" [unverified]); 0 = no limit. Over it,
   * a per-name PUT gets 422 INVALID_RECORDS (message invented). Default 0.
   */
  maxTxtPerName: number;
}

export const DEFAULT_SWITCHES: Readonly<SimSwitches> = Object.freeze({
  emptyPutArray: 'reject',
  deleteMissing: '404',
  bodyNameMismatch: 'ignore',
  offsetMode: 'page',
  pastLastPage: 'empty',
  nameCase: 'sensitive',
  duplicateInPut: 'reject',
  foreignDomain: '404',
  trailingDotName: 'reject',
  retryAfterHeader: true,
  retryAfterBody: true,
  rateLimitMode: 'window',
  restrictedSet: 'default',
  protection: 'conflict409',
  missingTtl: 3600,
  maxTtl: 604800,
  txtMaxLength: 512,
  invalidJsonStatus: 400,
  malformedAuth: '401',
  busyAnswer: '409',
  maxTxtPerName: 0,
});

/** One API request as the simulator saw it. Never holds the secret or the Authorization header. */
export interface SimRequest {
  /** `now()` when the request arrived. */
  at: number;
  method: string;
  /** Path without the query string, as sent (still percent-encoded). */
  path: string;
  /** Query string including `?`, or ''. */
  query: string;
  /** Route template such as `PUT /v1/domains/{domain}/records/{type}/{name}`, or null if none matched. */
  route: string | null;
  /** Status sent; 0 when the connection was dropped by an injected fault. */
  status: number;
  /** API key of the authenticated account (absent when authentication failed). */
  key?: string;
  requestId: string;
  /** Parsed JSON body (or the raw text when it was not JSON); absent when the request had none. */
  body?: unknown;
  /** True when an injected fault produced the response. */
  fault?: boolean;
}

/** One DNS query answered by a simulated server (authoritative or resolver). */
export interface SimDnsQuery {
  at: number;
  /** Nameserver name, or 'resolver'. */
  server: string;
  /** Address of the server that answered (nameservers may share a name). */
  address: string;
  proto: 'udp' | 'tcp';
  name: string;
  /** Numeric QTYPE. */
  type: number;
  /** RCODE sent, or -1 when the query was dropped. */
  rcode: number;
  /** Number of answer records sent (before any UDP truncation). */
  answers: number;
  /** The query's RD (recursion desired) bit. */
  rd: boolean;
  /** The UDP payload size the query advertised with EDNS0, or undefined without EDNS. */
  edns: number | undefined;
  /** True when the UDP answer went out with TC=1 (too large for the query's payload size, or `truncate` mode). */
  truncated: boolean;
}

/** A one-shot (or `times`-shot) API fault, consumed by the first matching request. */
export interface SimFault {
  method?: string;
  /** Exact path (without query), or a RegExp tested against it. */
  path: RegExp | string;
  status?: number;
  /** JSON-serialised (sorted keys, trailing newline) unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long first. With no status and no drop, the request then runs normally. */
  delayMs?: number;
  /** Destroy the connection without a response. */
  drop?: boolean;
  /** How many requests it applies to. Default 1. */
  times?: number;
}

export interface SimOptions {
  /** API and resolver listen address. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  apiPort?: number;
  /** 0 (default) = a free port. */
  resolverPort?: number;
  /** One port shared by every authoritative server (each on its own address). 0 = pick one free on all. */
  dnsPort?: number;
  /** Default: ns1.domaincontrol.test @127.0.0.2 (300 ms), ns2.domaincontrol.test @127.0.0.3 (900 ms). */
  nameservers?: SimNameserver[];
  /** Default: example.test, other.test, elsewhere.test (delegated away), notmine.test (another account). */
  domains?: SimDomainSeed[];
  /** Default: one account, key 'sim-key', secret 'sim-secret'. */
  accounts?: SimAccount[];
  /** Added to every API response: fixed, or uniform in [min, max] (seeded). */
  apiLatencyMs?: number | [number, number];
  /** Per (key, method + route template). Default 60 per 60000 ms. */
  rateLimit?: { limit: number; windowMs: number };
  /** S7: for this long after a write, GETs of that RRset return the old or new set at random. Default 0. */
  apiReadLagMs?: number;
  /** S7: for this long after a write to a domain, further writes to it get 409. Default 0. */
  busyAfterWriteMs?: number;
  /** Seed for every random choice. Default 1. */
  seed?: number;
  /** Clock for commits, publish delays, rate limits and lag. Default Date.now. */
  now?: () => number;
  switches?: Partial<SimSwitches>;
  /** Called after each API response (scripts/sim.ts prints these). */
  onRequest?: (request: SimRequest) => void;
  /** Called after each DNS query. */
  onDnsQuery?: (query: SimDnsQuery) => void;
}
