import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateError } from '../errors.js';
import { processState } from './owner.js';
import { pausePoint } from './testpoint.js';
import { makeDirs } from './mkdir.js';
import { LEDGER_SCHEMA, LEDGER_TOOL, emptyLedger, type Ledger, type LedgerEntry } from '../domain/ledger.js';

const STATES = new Set(['adding', 'live', 'removing']);

/** What `reconcile --repair` did (or, in a dry run, would do) to an unreadable ledger. */
export interface RepairOutcome {
  /** Where the unreadable file is (would be) kept. */
  backup: string;
  /** Entries that still parse, carried over to the new ledger. */
  kept: number;
  /** Entries found but malformed: dropped (their values at GoDaddy, if any, are no longer tracked). */
  lost: number;
  /** The file did not parse far enough to find its entries: however many it held are lost. */
  unparsed: boolean;
}

/**
 * Ledger files: `<stateDir>/zones/<zone>.json`, one per zone, replaced atomically (temp file,
 * fsync, rename, fsync of the directory). A file that is not a ledger of ours is refused, never
 * overwritten. Directory 0700, files 0600.
 */
export class LedgerStore {
  readonly zonesDir: string;

  constructor(readonly stateDir: string) {
    this.zonesDir = path.join(stateDir, 'zones');
  }

  /** Creates the state directory (0700) when absent; refuses one that others can write to. */
  ensureDir(): void {
    for (const dir of [this.stateDir, this.zonesDir]) {
      try {
        makeDirs(dir, 0o700);
      } catch (err) {
        throw new StateError(`cannot create state directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`,
          { hint: 'set ACME_GODADDY_STATE_DIR to a directory this user can write, or run as root' });
      }
      const st = fs.statSync(dir);
      if (!st.isDirectory()) throw new StateError(`state path ${dir} is not a directory`);
      if ((st.mode & 0o022) !== 0) {
        throw new StateError(`state directory ${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`,
          { hint: `chmod 700 ${dir}` });
      }
      if (typeof process.getuid === 'function' && st.uid !== process.getuid() && process.getuid() !== 0) {
        throw new StateError(`state directory ${dir} belongs to another user (uid ${st.uid})`,
          { hint: 'run the hooks as the user that owns it, or use another ACME_GODADDY_STATE_DIR' });
      }
      try {
        fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        throw new StateError(`state directory ${dir} is not writable by this user`,
          { hint: 'run as the user that owns it, or set ACME_GODADDY_STATE_DIR' });
      }
    }
  }

  ledgerPath(zone: string): string {
    return path.join(this.zonesDir, `${zone}.json`);
  }

  /** Zones that have a ledger file, sorted. */
  zones(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.zonesDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StateError(`cannot list ${this.zonesDir}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
  }

  read(zone: string): Ledger {
    const file = this.ledgerPath(zone);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return emptyLedger(zone);
      throw new StateError(`cannot read ledger ${file}: ${code ?? err}`);
    }
    return parseLedger(text, file, zone);
  }

  /**
   * What `repair` would do to an unreadable ledger, without changing anything: the backup path, the
   * entries that still parse (`kept`), and those that do not (`lost`). `unparsed` means the file
   * does not get as far as its entries list (cut off before it, not JSON at all, no `entries`):
   * how many entries it held is unknown, and none can be kept.
   */
  salvage(zone: string, now: Date): RepairOutcome & { ledger: Ledger } {
    const file = this.ledgerPath(zone);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new StateError(`cannot read ledger ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    let value: { entries?: unknown; tool?: unknown; schema?: unknown } | null | undefined;
    try {
      value = JSON.parse(text) as typeof value;
    } catch {
      value = undefined; // not JSON (truncated, cut by a full disk)
    }
    if (value?.tool === LEDGER_TOOL && typeof value.schema === 'number' && value.schema > LEDGER_SCHEMA) {
      throw new StateError(`ledger ${file} was written by a newer acme-godaddy (schema ${value.schema}; this version understands ${LEDGER_SCHEMA}); not repairing it`,
        { hint: 'upgrade acme-godaddy on this host: a repair would drop what this version cannot read' });
    }
    // A file that is not JSON still keeps the complete entries before the cut.
    const entries = value === undefined ? entriesBeforeCut(text)
      : typeof value === 'object' && value !== null && Array.isArray(value.entries) ? value.entries : undefined;
    const kept = (entries ?? []).filter(isEntry);
    const backup = `${file}.broken-${now.toISOString().replace(/[:.]/g, '-')}`;
    return {
      backup, kept: kept.length, lost: (entries ?? []).length - kept.length, unparsed: entries === undefined,
      ledger: { ...emptyLedger(zone), entries: kept },
    };
  }

  /**
   * Moves an unreadable ledger aside (kept as `<file>.broken-<time>`) and writes a new one holding
   * every entry that still parses (see `salvage`). Call under the zone's ledger lock.
   */
  repair(zone: string, now: Date): RepairOutcome {
    const { ledger, ...outcome } = this.salvage(zone, now);
    try {
      fs.renameSync(this.ledgerPath(zone), outcome.backup);
    } catch (err) {
      throw new StateError(`cannot move ledger ${this.ledgerPath(zone)} aside: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    this.write(ledger);
    return outcome;
  }

  /**
   * Zones with a ledger moved aside by `repair` (`<zone>.json.broken-<time>`) whose text still holds
   * `value` as a JSON string: a value this tool wrote whose entry was lost with the broken file.
   */
  zonesWithBackupHolding(value: string): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.zonesDir);
    } catch {
      return [];
    }
    const needle = JSON.stringify(value);
    const zones = new Set<string>();
    for (const name of names) {
      const match = /^(.+)\.json\.broken-[^/]+$/.exec(name);
      if (!match || zones.has(match[1]!)) continue;
      try {
        if (fs.readFileSync(path.join(this.zonesDir, name), 'utf8').includes(needle)) zones.add(match[1]!);
      } catch {
        // unreadable backup: nothing to learn from it
      }
    }
    return [...zones].sort();
  }

  /**
   * Replaces the ledger atomically: a crash at any instant leaves either the old or the new file
   * (plus, at worst, a temp file that the next write removes). Callers hold the zone's ledger lock.
   */
  write(ledger: Ledger): void {
    const file = this.ledgerPath(ledger.zone);
    const tmp = `${file}.tmp-${process.pid}`;
    const data = `${JSON.stringify(ledger, null, 2)}\n`;
    this.sweepTemp(ledger.zone);
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      pausePoint('ledger:tmp-written');
      fs.renameSync(tmp, file);
      pausePoint('ledger:renamed');
      const dirFd = fs.openSync(this.zonesDir, 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    } catch (err) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // best effort
      }
      throw new StateError(`cannot write ledger ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }

  /** Removes temp files of writers that died mid-write. Call under the zone's ledger lock. */
  sweepTemp(zone: string): void {
    const prefix = `${path.basename(this.ledgerPath(zone))}.tmp-`;
    let names: string[];
    try {
      names = fs.readdirSync(this.zonesDir).filter((n) => n.startsWith(prefix));
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(name.slice(prefix.length));
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      if (processState({ pid, host: os.hostname() }) !== 'gone') continue;
      try {
        fs.rmSync(path.join(this.zonesDir, name), { force: true });
      } catch {
        // best effort
      }
    }
  }
}

/**
 * The entries of a ledger text that is not valid JSON, as far as they go: every complete object in
 * its `"entries": [` list (each parsed on its own), then one `undefined` for an object cut off by
 * the end of the text, so that it counts as lost. `undefined` when the list is not there at all.
 */
export function entriesBeforeCut(text: string): unknown[] | undefined {
  const list = /"entries"\s*:\s*\[/.exec(text);
  if (!list) return undefined;
  const entries: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = list.index + list[0].length; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      if (depth === 0) return entries; // the end of the entries list
      depth--;
      if (depth === 0) {
        try {
          entries.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          entries.push(undefined);
        }
        start = -1;
      }
    }
  }
  if (start >= 0) entries.push(undefined); // cut off inside an entry
  return entries;
}

/** Parses and checks a ledger file; anything unexpected is a StateError naming the file. */
export function parseLedger(text: string, file: string, zone: string): Ledger {
  const refuse = (why: string): never => {
    throw new StateError(`ledger ${file} ${why}; refusing to touch it`,
      { hint: '`acme-godaddy reconcile --repair` keeps a backup and rebuilds it from the entries that still parse' });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('is not valid JSON (truncated or corrupt)');
  }
  const v = value as Partial<Ledger> & { tool?: unknown; schema?: unknown };
  if (!v || typeof v !== 'object' || Array.isArray(v)) return refuse('is not a ledger object');
  if (v.tool !== LEDGER_TOOL) return refuse('was not written by acme-godaddy');
  if (typeof v.schema !== 'number') return refuse('has no schema version');
  if (v.schema > LEDGER_SCHEMA) {
    throw new StateError(`ledger ${file} has schema ${v.schema}, newer than this version understands (${LEDGER_SCHEMA}); refusing to touch it`,
      { hint: 'a newer acme-godaddy wrote it: upgrade acme-godaddy on this host (do not repair it)' });
  }
  if (v.schema !== LEDGER_SCHEMA) return refuse(`has unknown schema ${v.schema}`);
  if (v.zone !== zone) return refuse(`is for zone "${String(v.zone)}", not ${zone}`);
  if (!Array.isArray(v.entries)) return refuse('has no entries list');
  v.entries.forEach((e, i) => {
    if (!isEntry(e)) refuse(`has a malformed entry (#${i})`);
  });
  return v as Ledger;
}

function isEntry(e: unknown): e is LedgerEntry {
  const x = e as Partial<LedgerEntry>;
  return !!x && typeof x === 'object'
    && typeof x.record === 'string' && typeof x.value === 'string' && typeof x.domain === 'string'
    && typeof x.state === 'string' && STATES.has(x.state)
    && typeof x.createdAt === 'string' && typeof x.updatedAt === 'string' && typeof x.expiresAt === 'string'
    && !!x.owner && typeof x.owner === 'object' && typeof x.owner.run === 'string' && typeof x.owner.host === 'string'
    && (x.owner.pid === undefined || Number.isInteger(x.owner.pid))
    && (x.owner.start === undefined || typeof x.owner.start === 'string')
    && (x.owner.boot === undefined || typeof x.owner.boot === 'string')
    && (x.owner.pidns === undefined || typeof x.owner.pidns === 'string');
}
