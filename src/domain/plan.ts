import type { Ledger, LedgerEntry } from './ledger.js';

/** A TXT record at GoDaddy (same shape as the client's). */
export interface TxtValue {
  data: string;
  ttl: number;
}

export type Write =
  | { kind: 'none' }
  | { kind: 'put'; records: TxtValue[] }
  | { kind: 'delete' };

export interface RecordPlan {
  record: string;
  /** Values the RRset must hold after the write: ours that are wanted. */
  keep: string[];
  /** Values the RRset must not hold after the write. */
  drop: string[];
  /** The entries the plan dropped, as `value@updatedAt`: settle removes only these, not a later re-add. */
  dropped: string[];
  /** Values at GoDaddy the ledger does not own: always kept (SPF, site verification, other tools). */
  foreign: string[];
  /** Empty or blank placeholders left by older tools: never re-sent when we write. */
  placeholders: number;
  write: Write;
  /**
   * GoDaddy answered 404 UNKNOWN_DOMAIN for the zone and no value of ours is wanted at the record:
   * nothing of ours can be there, so the dropped entries are forgotten without a write.
   */
  zoneUnknown?: true;
}

/**
 * What the RRset at `record` must become: current ∪ wanted − unwanted, where wanted are the values
 * of entries that are adding/live and not stale, and unwanted those that are removing or stale.
 * Foreign values keep their own TTL; ours get `ttl`. Deterministic: same inputs, same plan.
 */
export function planRecord(record: string, entries: readonly LedgerEntry[], current: readonly TxtValue[],
  isStale: (entry: LedgerEntry) => boolean, ttl: number): RecordPlan {
  const mine = entries.filter((e) => e.record === record);
  const keep = unique(mine.filter((e) => e.state !== 'removing' && !isStale(e)).map((e) => e.value));
  const keepSet = new Set(keep);
  const dropEntries = mine.filter((e) => (e.state === 'removing' || isStale(e)) && !keepSet.has(e.value));
  const drop = unique(dropEntries.map((e) => e.value));
  const owned = new Set(mine.map((e) => e.value));

  const currentValues = new Set(current.map((r) => r.data));
  const placeholders = current.filter((r) => isPlaceholder(r.data)).length;
  const foreignRecords = dedupe(current.filter((r) => !owned.has(r.data) && !isPlaceholder(r.data)));

  const needsAdd = keep.some((v) => !currentValues.has(v));
  const needsDrop = drop.some((v) => currentValues.has(v));
  const hasDuplicates = new Set(current.map((r) => r.data)).size !== current.length;

  let write: Write = { kind: 'none' };
  if (needsAdd || needsDrop || (hasDuplicates && keep.length > 0)) {
    const records: TxtValue[] = [
      ...foreignRecords.map((r) => ({ data: r.data, ttl: clampTtl(r.ttl) })),
      ...keep.map((data) => ({ data, ttl })),
    ];
    write = records.length === 0 ? { kind: 'delete' } : { kind: 'put', records };
  }
  return { record, keep, drop, dropped: dropEntries.map(entryKey), foreign: foreignRecords.map((r) => r.data), placeholders, write };
}

/** The ledger after a plan was carried out and verified: kept entries are live, dropped ones gone. */
export function settle(ledger: Ledger, plan: RecordPlan, now: Date): Ledger {
  const keep = new Set(plan.keep);
  const dropped = new Set(plan.dropped);
  const stamp = now.toISOString();
  const entries: LedgerEntry[] = [];
  for (const e of ledger.entries) {
    if (e.record !== plan.record) {
      entries.push(e);
    } else if (keep.has(e.value) && e.state !== 'removing') {
      entries.push(e.state === 'live' ? e : { ...e, state: 'live', updatedAt: stamp });
    } else if (!dropped.has(entryKey(e))) {
      entries.push(e); // changed after the plan was made; leave it for its owner
    }
  }
  return { ...ledger, entries };
}

/** Does GoDaddy's RRset now match the plan? Returns what is wrong, or undefined. */
export function verifyPlan(plan: RecordPlan, after: readonly TxtValue[]): string | undefined {
  const values = new Set(after.map((r) => r.data));
  const missing = plan.keep.filter((v) => !values.has(v));
  const extra = plan.drop.filter((v) => values.has(v));
  const lostForeign = plan.foreign.filter((v) => !values.has(v));
  const problems = [
    missing.length ? `missing ${missing.length} value(s) we wrote` : '',
    extra.length ? `still holds ${extra.length} value(s) we removed` : '',
    lostForeign.length ? `lost ${lostForeign.length} value(s) we did not own` : '',
  ].filter(Boolean);
  return problems.length ? problems.join(', ') : undefined;
}

/** GoDaddy rejects TTLs outside 600..604800; old records sometimes carry one, and we must re-send them. */
export function clampTtl(ttl: number): number {
  return Math.min(604800, Math.max(600, Math.round(ttl)));
}

export function isPlaceholder(data: string): boolean {
  return data.trim() === '';
}

function entryKey(e: LedgerEntry): string {
  return `${e.value}@${e.updatedAt}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function dedupe(records: readonly TxtValue[]): TxtValue[] {
  const seen = new Set<string>();
  return records.filter((r) => (seen.has(r.data) ? false : (seen.add(r.data), true)));
}
