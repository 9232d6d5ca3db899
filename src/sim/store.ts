// The one zone store shared by the API and every DNS server. Each API write commits a new
// immutable version of the zone; an authoritative server with publish delay d serves the
// newest version committed at least d ago, which is how nameservers come to disagree for a
// while, as GoDaddy's anycast nodes do. History is pruned to what the slowest server can still
// need.

import type { Rng } from './rng.js';
import type { SimNameserver, SimRecord } from './types.js';

export interface ZoneVersion {
  readonly seq: number;
  readonly committedAt: number;
  readonly records: readonly SimRecord[];
  /**
   * For each record (see `recordKey`), the commit time of the first version in the unbroken run
   * of versions up to this one that contain it. A server that serves this version started
   * serving that record at `since + its delay`, which is what `publishedAt` reports.
   */
  readonly since: ReadonlyMap<string, number>;
}

/** Identity of a record for publish tracking: type, lower-cased name and data. */
export function recordKey(type: string, name: string, data: string): string {
  return `${type}\u0000${name.toLowerCase()}\u0000${data}`;
}

function rrsetKey(record: SimRecord): string {
  return `${record.type}\u0000${record.name.toLowerCase()}`;
}

/** Never keep more than this many versions per zone, whatever the delays say. */
const MAX_VERSIONS = 10_000;
/** RRsets whose previous contents are kept for the read lag. */
const MAX_TRACKED_RRSETS = 1_000;

export class Zone {
  private versions: ZoneVersion[];
  /** Previous contents of each recently written RRset, for the S7 read-after-write lag. */
  private readonly rrsetWrites = new Map<string, { at: number; previous: SimRecord[] }>();
  /** Time of the last API write, for the S7 busy-after-write 409. */
  lastWriteAt: number | undefined;

  constructor(
    readonly apex: string,
    records: readonly SimRecord[],
    createdAt: number,
  ) {
    const since = new Map<string, number>();
    for (const r of records) since.set(recordKey(r.type, r.name, r.data), createdAt);
    this.versions = [{ seq: 1, committedAt: createdAt, records: freezeRecords(records), since }];
  }

  current(): ZoneVersion {
    return this.versions[this.versions.length - 1] as ZoneVersion;
  }

  /** The newest version committed at or before `t` (the oldest kept one if none is that old). */
  servedAt(t: number): ZoneVersion {
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const v = this.versions[i] as ZoneVersion;
      if (v.committedAt <= t) return v;
    }
    return this.versions[0] as ZoneVersion;
  }

  /**
   * Make `records` the new current version. `keepMs` is how far back servers may still read;
   * older versions (except the newest of them, still served by a slow server) are dropped.
   */
  commit(records: readonly SimRecord[], now: number, keepMs: number): ZoneVersion {
    const prev = this.current();
    const since = new Map<string, number>();
    for (const r of records) {
      const key = recordKey(r.type, r.name, r.data);
      since.set(key, prev.since.get(key) ?? now);
    }
    this.noteRrsetWrites(prev.records, records, now);
    const version: ZoneVersion = {
      seq: prev.seq + 1,
      committedAt: now,
      records: freezeRecords(records),
      since,
    };
    this.versions.push(version);
    this.prune(now - keepMs);
    return version;
  }

  /**
   * The records an API read sees now. Within `lagMs` of a write to an RRset, each read returns
   * that RRset's previous or new contents at random (S7), so a client that trusts one read
   * after its write gets caught.
   */
  readView(now: number, lagMs: number, rng: Rng): SimRecord[] {
    const records = [...this.current().records];
    if (lagMs <= 0) return records;
    let view = records;
    for (const [key, write] of this.rrsetWrites) {
      if (now - write.at >= lagMs) {
        this.rrsetWrites.delete(key);
        continue;
      }
      if (rng() < 0.5) {
        view = view.filter((r) => rrsetKey(r) !== key).concat(write.previous);
      }
    }
    return view;
  }

  private noteRrsetWrites(before: readonly SimRecord[], after: readonly SimRecord[], now: number): void {
    const group = (list: readonly SimRecord[]): Map<string, SimRecord[]> => {
      const map = new Map<string, SimRecord[]>();
      for (const r of list) {
        const key = rrsetKey(r);
        const set = map.get(key);
        if (set) set.push(r);
        else map.set(key, [r]);
      }
      return map;
    };
    const old = group(before);
    const fresh = group(after);
    for (const key of new Set([...old.keys(), ...fresh.keys()])) {
      const a = old.get(key) ?? [];
      const b = fresh.get(key) ?? [];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      // Re-insert so the map stays in write order, then drop the oldest past the bound: with no
      // lag configured nothing ever reads these, and a long `npm run sim` must not grow forever.
      this.rrsetWrites.delete(key);
      this.rrsetWrites.set(key, { at: now, previous: a });
      const oldest = this.rrsetWrites.keys().next();
      if (this.rrsetWrites.size > MAX_TRACKED_RRSETS && !oldest.done) this.rrsetWrites.delete(oldest.value);
    }
  }

  private prune(horizon: number): void {
    // Index of the newest version at or before the horizon: everything older is unreachable.
    let base = 0;
    for (let i = this.versions.length - 1; i >= 0; i--) {
      if ((this.versions[i] as ZoneVersion).committedAt <= horizon) {
        base = i;
        break;
      }
    }
    base = Math.max(base, this.versions.length - MAX_VERSIONS);
    if (base > 0) this.versions = this.versions.slice(base);
  }
}

function freezeRecords(records: readonly SimRecord[]): readonly SimRecord[] {
  return Object.freeze(records.map((r) => Object.freeze({ ...r })));
}

/** A domain as the store keeps it (after defaults were applied). */
export interface SimDomain {
  /** Lower-case. */
  readonly domain: string;
  readonly domainId: number;
  readonly ownerKey: string;
  readonly status: string;
  readonly nameServers: readonly string[];
  readonly hasZone: boolean;
  readonly locked: boolean;
  /** Set when the public delegation points away from the sim nameservers. */
  readonly delegatedTo: readonly SimNameserver[] | undefined;
  /** The API zone (what GoDaddy's own nameservers serve). */
  readonly zone: Zone;
}

/** All domains, keyed by lower-case name. */
export class SimStore {
  private readonly byName = new Map<string, SimDomain>();

  constructor(domains: readonly SimDomain[]) {
    for (const d of domains) this.byName.set(d.domain, d);
  }

  get(domain: string): SimDomain | undefined {
    return this.byName.get(domain.toLowerCase());
  }

  all(): SimDomain[] {
    return [...this.byName.values()].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  }

  /** The domain whose zone holds `fqdn` (longest matching apex), if it has a GoDaddy zone. */
  zoneFor(fqdn: string): SimDomain | undefined {
    return findZone(this.all().filter((d) => d.hasZone), fqdn, (d) => d.domain);
  }
}

/** Longest apex that `fqdn` equals or ends in (names compared in lower case, no trailing dot). */
export function findZone<T>(items: readonly T[], fqdn: string, apexOf: (item: T) => string): T | undefined {
  const name = normalizeName(fqdn);
  let best: T | undefined;
  let bestLength = -1;
  for (const item of items) {
    const apex = apexOf(item);
    if ((name === apex || name.endsWith(`.${apex}`)) && apex.length > bestLength) {
      best = item;
      bestLength = apex.length;
    }
  }
  return best;
}

/** Lower-case, no trailing dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The zone-relative name for `fqdn` (`@` for the apex). `fqdn` must be in the zone. */
export function relativeName(fqdn: string, apex: string): string {
  const name = normalizeName(fqdn);
  return name === apex ? '@' : name.slice(0, name.length - apex.length - 1);
}
