import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, HookError, InterruptedError, LockTimeoutError, StateError } from '../errors.js';
import { processState, selfRef, type ProcessRef } from './owner.js';
import { pausePoint } from './testpoint.js';

/**
 * Per-zone mutual exclusion between hook processes, through the state directory.
 *
 * The lock `<base>.lock` is a directory holding exactly one file, `owner-<token>.json`, that names
 * its holder (PID, kernel start time, boot id, PID namespace, host, since, command). The rules,
 * each a single atomic filesystem operation:
 *
 * - **acquire**: prepare `<base>.lock.new-<token>/owner-<token>.json`, then `rename` that
 *   directory to `<base>.lock`. rename(2) replaces a missing or *empty* directory and fails on a
 *   non-empty one, so it succeeds only when nobody holds the lock, and the lock never exists
 *   without its owner file (no window between "created" and "owner known").
 * - **release**: unlink our own owner file (the lock is free from that instant), then rmdir.
 * - **take over** a dead holder's lock: unlink *that holder's* owner file, by its unique name, then
 *   rmdir. Of two waiters that both judged the same holder dead, only one unlink succeeds; the other
 *   gets ENOENT and retries. A waiter can therefore never remove a lock taken after it looked (the
 *   race of mtime-based lock files, where a slow waiter deletes a fresh lock, cannot happen).
 *
 * A holder is dead when it runs on this host (same boot, same PID namespace) and no process with
 * its PID and start time exists: detected at once, no stale timeout. A holder that cannot be
 * observed (another host sharing the directory, another container) refreshes its owner file's
 * mtime every `staleMs / 4`; it is taken over once that is older than `staleMs`. A live holder on
 * this host is never taken over, however long it takes: waiters give up after `timeoutMs` with a
 * message naming the lock and the holder.
 */
export interface LockOptions {
  /** How long to wait for a busy lock before giving up (LockTimeoutError, exit 75). */
  timeoutMs: number;
  /** Holders that cannot be observed from here are taken over after this long without a heartbeat. */
  staleMs?: number;
  signal?: AbortSignal | undefined;
  /** Checked while the lock is busy: when it returns true the caller no longer needs the lock. */
  abandonIf?: (() => boolean) | undefined;
  /** Called once the lock is held, with how long it took and whether it was busy at first. */
  onAcquired?: ((waitedMs: number, contended: boolean) => void) | undefined;
}

export const DEFAULT_STALE_MS = 10_000;

/** Thrown by `assertHeld` when the lock is no longer ours (another host took it over, or it was removed by hand). */
export class LockCompromisedError extends HookError {
  constructor(message: string) {
    super('LOCK_LOST', ExitCode.TEMPFAIL, message, { hint: 'run `acme-godaddy reconcile` once the other process is done' });
  }
}

interface OwnerFile extends ProcessRef {
  token: string;
  since: string;
  command: string;
}

/** Runs `fn` while holding the lock `<base>.lock`. */
export async function withLock<T>(base: string, options: LockOptions, fn: (assertHeld: () => void) => Promise<T>): Promise<T> {
  const outcome = await withLockUnless(base, { ...options, abandonIf: undefined }, fn);
  if (!outcome.ran) throw new Error('unreachable: lock abandoned without abandonIf');
  return outcome.value;
}

/**
 * Like withLock, but while the lock is busy `options.abandonIf` is polled; once it returns true
 * the wait ends and `fn` does not run (`{ ran: false }`).
 */
export async function withLockUnless<T>(base: string, options: LockOptions,
  fn: (assertHeld: () => void) => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const lock = await acquire(base, options);
  if (!lock) return { ran: false };
  try {
    return { ran: true, value: await fn(lock.assertHeld) };
  } finally {
    lock.release();
  }
}

interface Held {
  assertHeld: () => void;
  release: () => void;
}

async function acquire(base: string, options: LockOptions): Promise<Held | undefined> {
  const lockPath = `${base}.lock`;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const started = Date.now();
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const ownerName = `owner-${token}.json`;
  const tmp = `${lockPath}.new-${token}`;
  const owner: OwnerFile = { ...selfRef(), token, since: new Date().toISOString(), command: process.argv.slice(2).join(' ') };
  try {
    fs.mkdirSync(tmp, { mode: 0o700 });
    fs.writeFileSync(path.join(tmp, ownerName), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  } catch (err) {
    removeQuietly(tmp);
    throw new StateError(`cannot prepare lock ${lockPath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const giveUp = (err: unknown): never => {
    removeQuietly(tmp);
    throw err;
  };
  let delay = 2;
  let first = true;
  let contended = false;
  for (;;) {
    if (options.signal?.aborted) giveUp(new InterruptedError(String(options.signal.reason ?? 'a signal')));
    if (first) pausePoint('lock:tmp-ready');
    first = false;
    try {
      fs.renameSync(tmp, lockPath);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') {
        giveUp(new StateError(`cannot take lock ${lockPath}: ${code ?? err}`,
          { hint: code === 'ENOTDIR' ? `${lockPath} is not a directory; remove it` : 'check the state directory' }));
      }
    }
    contended = true;
    const holder = inspect(lockPath, staleMs);
    if (holder.kind === 'dead') {
      takeOver(lockPath, holder.file);
      continue;
    }
    if (holder.kind === 'free') continue;
    try {
      if (options.abandonIf?.()) {
        removeQuietly(tmp);
        return undefined;
      }
    } catch (err) {
      giveUp(err);
    }
    if (Date.now() - started >= options.timeoutMs) {
      giveUp(new LockTimeoutError(`gave up after ${Math.round(options.timeoutMs / 1000)} s waiting for lock ${lockPath}, held by ${describe(holder.owner)}`,
        'another acme-godaddy hook is still running; raise ACME_GODADDY_LOCK_TIMEOUT or stop the stuck process'));
    }
    try {
      await sleep(delay * (1 + Math.random()), undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      giveUp(new InterruptedError(String(options.signal?.reason ?? 'a signal')));
    }
    delay = Math.min(100, delay * 1.5);
  }

  options.onAcquired?.(Date.now() - started, contended);
  const ownerFile = path.join(lockPath, ownerName);
  let lost: string | undefined;
  // Heartbeat for waiters that cannot observe this process (another host or container).
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(ownerFile, now, now);
    } catch (err) {
      lost = (err as NodeJS.ErrnoException).code ?? String(err);
    }
  }, Math.max(50, Math.floor(staleMs / 4)));
  heartbeat.unref();
  sweepAbandoned(lockPath);
  return {
    assertHeld: () => {
      if (lost === undefined && !fs.existsSync(ownerFile)) lost = 'owner file removed';
      if (lost !== undefined) throw new LockCompromisedError(`lock ${lockPath} is no longer ours (${lost}); stopped before writing`);
    },
    release: () => {
      clearInterval(heartbeat);
      try {
        fs.unlinkSync(ownerFile);
      } catch {
        return; // not ours any more: leave whatever is there alone
      }
      pausePoint('lock:releasing');
      try {
        fs.rmdirSync(lockPath);
      } catch {
        // ENOTEMPTY: the next holder already renamed its directory over the empty one
      }
    },
  };
}

type Holder =
  | { kind: 'free' }
  | { kind: 'dead'; file: string }
  | { kind: 'held'; owner: OwnerFile | undefined };

/** Who holds the lock now, and whether it may be taken over. */
function inspect(lockPath: string, staleMs: number): Holder {
  let names: string[];
  try {
    names = fs.readdirSync(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw new StateError(`cannot read lock ${lockPath}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (names.length === 0) return { kind: 'free' }; // between a release's unlink and rmdir: rename replaces it
  const name = names.find((n) => /^owner-[^/]+\.json$/.test(n));
  if (name === undefined) return { kind: 'held', owner: undefined }; // not ours: never touched, the wait times out
  const file = path.join(lockPath, name);
  let owner: OwnerFile | undefined;
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
    owner = JSON.parse(fs.readFileSync(file, 'utf8')) as OwnerFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    owner = undefined;
    mtimeMs = fileMtime(file);
  }
  const state = owner && Number.isInteger(owner.pid) && typeof owner.host === 'string' ? processState(owner) : 'unknown';
  if (state === 'gone') return { kind: 'dead', file };
  if (state === 'unknown' && Date.now() - mtimeMs > staleMs) return { kind: 'dead', file };
  return { kind: 'held', owner };
}

/** Removes a dead holder's lock. Unlinking its owner file by name is the atomic step. */
function takeOver(lockPath: string, ownerFile: string): void {
  pausePoint('lock:judged-dead');
  try {
    fs.unlinkSync(ownerFile);
  } catch {
    return; // another waiter took it over (or the holder released it) first
  }
  pausePoint('lock:reaped');
  try {
    fs.rmdirSync(lockPath);
  } catch {
    // ENOTEMPTY: a waiter already took the freed lock
  }
}

/** Lock directories prepared by processes that died before renaming them into place. */
function sweepAbandoned(lockPath: string): void {
  const dir = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.new-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const token = name.slice(prefix.length);
    const pid = Number(token.split('-')[0]);
    if (pid === process.pid) continue;
    let ref: ProcessRef | undefined;
    try {
      ref = JSON.parse(fs.readFileSync(path.join(dir, name, `owner-${token}.json`), 'utf8')) as ProcessRef;
    } catch {
      ref = undefined;
    }
    const state = ref ? processState(ref) : Number.isInteger(pid) && pid > 0 ? processState({ pid, host: os.hostname() }) : 'unknown';
    if (state === 'gone') removeQuietly(path.join(dir, name));
  }
}

function fileMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function removeQuietly(target: string): void {
  try {
    fs.rmSync(target, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

function describe(owner: OwnerFile | undefined): string {
  return owner ? `pid ${owner.pid} on ${owner.host} since ${owner.since} (${owner.command})` : 'an unknown process';
}
