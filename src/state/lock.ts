import fs from 'node:fs';
import os from 'node:os';
import lockfile from 'proper-lockfile';
import { LockTimeoutError, InterruptedError } from '../errors.js';

export interface LockOptions {
  /** How long to wait for a busy lock before giving up. */
  timeoutMs: number;
  /** A lock whose holder has not refreshed it for this long is taken over (holder crashed). */
  staleMs?: number;
  signal?: AbortSignal | undefined;
}

/** Thrown inside the critical section when the lock was lost (we were too slow to refresh it). */
export class LockCompromisedError extends Error {}

/**
 * Runs `fn` while holding the lock `<base>.lock` (a directory, via proper-lockfile). Waits with
 * short jittered retries up to `timeoutMs`; a holder that died is taken over after `staleMs`.
 * `<base>.holder` records who holds the lock, for the timeout message.
 */
export async function withLock<T>(base: string, options: LockOptions, fn: (assertHeld: () => void) => Promise<T>): Promise<T> {
  const lockPath = `${base}.lock`;
  const holderPath = `${base}.holder`;
  let compromised: Error | undefined;
  const started = Date.now();
  let delay = 5;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'a signal'));
    try {
      release = await lockfile.lock(base, {
        realpath: false,
        lockfilePath: lockPath,
        stale: options.staleMs ?? 10_000,
        retries: 0,
        onCompromised: (err) => {
          compromised = err;
        },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() - started >= options.timeoutMs) {
        throw new LockTimeoutError(`gave up after ${Math.round(options.timeoutMs / 1000)} s waiting for lock ${lockPath}, held by ${describeHolder(holderPath)}`,
          'another acme-godaddy hook is still running; raise ACME_GODADDY_LOCK_TIMEOUT or stop the stuck process');
      }
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(200, delay * 1.5);
    }
  }
  try {
    try {
      fs.writeFileSync(holderPath, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(),
        command: process.argv.slice(2).join(' ') }), { mode: 0o600 });
    } catch {
      // only used for messages
    }
    return await fn(() => {
      if (compromised) throw new LockCompromisedError(`lock ${lockPath} was lost: ${compromised.message}`);
    });
  } finally {
    await release().catch(() => undefined);
  }
}

function describeHolder(holderPath: string): string {
  try {
    const h = JSON.parse(fs.readFileSync(holderPath, 'utf8')) as { pid?: number; host?: string; since?: string; command?: string };
    return `pid ${h.pid} on ${h.host} since ${h.since} (${h.command})`;
  } catch {
    return 'an unknown process';
  }
}
