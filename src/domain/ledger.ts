/**
 * The ledger: what this tool has put, or is about to put or remove, at GoDaddy, one file per zone.
 * Pure types and transitions; reading and writing the file is state/store.ts.
 *
 * Life of an entry: `adding` (intent written before the PUT) -> `live` (GoDaddy confirmed it holds
 * the value) -> `removing` (intent written before the PUT/DELETE that drops it) -> gone. An entry
 * whose run is over (its owner process is dead or it is past `expiresAt`) is stale: the next write
 * to its record, or `reconcile`, removes its value.
 */

export const LEDGER_SCHEMA = 1;
export const LEDGER_TOOL = 'acme-godaddy';

export type EntryState = 'adding' | 'live' | 'removing';

/** Who the value belongs to: one ACME client run (for certbot, the certbot process). */
export interface Owner {
  /** Groups the values of one run, e.g. "certbot:12345:987654" or an explicit ACME_GODADDY_RUN_ID. */
  run: string;
  host: string;
  /** PID whose death ends the run; absent when the run's end can only be told by expiry. */
  pid?: number;
  /** Kernel start time of `pid` (/proc/PID/stat field 22), so a reused PID is not mistaken for the run. */
  start?: string;
  /** Boot id of the host when the run started: after a reboot the run is over whatever `pid` is. */
  boot?: string;
  /** PID namespace of the run (containers sharing a state directory): `pid` means nothing elsewhere. */
  pidns?: string;
}

export interface LedgerEntry {
  /** Record name relative to the zone, e.g. "_acme-challenge.www". */
  record: string;
  value: string;
  /** The domain the challenge was for (as certbot gave it), for status output. */
  domain: string;
  state: EntryState;
  owner: Owner;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export interface Ledger {
  schema: typeof LEDGER_SCHEMA;
  tool: typeof LEDGER_TOOL;
  zone: string;
  entries: LedgerEntry[];
}

export function emptyLedger(zone: string): Ledger {
  return { schema: LEDGER_SCHEMA, tool: LEDGER_TOOL, zone, entries: [] };
}

export function findEntry(ledger: Ledger, record: string, value: string): LedgerEntry | undefined {
  return ledger.entries.find((e) => e.record === record && e.value === value);
}

/** Records intent to add `value`; an existing entry for it is revived (a retried auth hook). */
export function intendAdd(ledger: Ledger, input: { record: string; value: string; domain: string; owner: Owner },
  now: Date, lifetimeMs: number): Ledger {
  const stamp = now.toISOString();
  const expiresAt = new Date(now.getTime() + lifetimeMs).toISOString();
  const existing = findEntry(ledger, input.record, input.value);
  if (existing) {
    const state: EntryState = existing.state === 'removing' ? 'adding' : existing.state;
    return replaceEntry(ledger, existing, { ...existing, state, owner: input.owner, updatedAt: stamp, expiresAt });
  }
  const entry: LedgerEntry = { ...input, state: 'adding', createdAt: stamp, updatedAt: stamp, expiresAt };
  return { ...ledger, entries: [...ledger.entries, entry] };
}

/** Records intent to remove `value`; an unknown value gets a `removing` tombstone so it is removed if present. */
export function intendRemove(ledger: Ledger, input: { record: string; value: string; domain: string; owner: Owner },
  now: Date): Ledger {
  const stamp = now.toISOString();
  const existing = findEntry(ledger, input.record, input.value);
  if (existing) return replaceEntry(ledger, existing, { ...existing, state: 'removing', updatedAt: stamp });
  const entry: LedgerEntry = { ...input, state: 'removing', createdAt: stamp, updatedAt: stamp, expiresAt: stamp };
  return { ...ledger, entries: [...ledger.entries, entry] };
}

function replaceEntry(ledger: Ledger, old: LedgerEntry, next: LedgerEntry): Ledger {
  return { ...ledger, entries: ledger.entries.map((e) => (e === old ? next : e)) };
}

/** Record names with at least one entry, sorted. */
export function recordsOf(ledger: Ledger): string[] {
  return [...new Set(ledger.entries.map((e) => e.record))].sort();
}
