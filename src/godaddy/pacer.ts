/**
 * Request pacing shared by every acme-godaddy process on a host.
 *
 * GoDaddy allows 60 requests per minute per endpoint (method + route template) per API key and
 * answers 429 beyond that. Hooks of many certbot runs can start at the same moment, so the budget
 * is kept in one small file per (API host, key) in the state directory:
 *
 *   <stateDir>/ratelimit/<id>.json       {"schema":1,"tool":"acme-godaddy","endpoints":{...}}
 *   <stateDir>/ratelimit/<id>.json.lock/ proper-lockfile lock, held for the read-modify-write only
 *
 * `<id>` is a hash of the API origin and key (the key itself is never written). For each endpoint
 * the file holds the send times of the last window (a sliding-window log, including slots that
 * waiting processes have reserved) and `notBefore`, the time before which GoDaddy said (in a 429)
 * that no request to that endpoint may be sent. A process takes the lock, reserves the earliest
 * slot that keeps every window within the budget, releases the lock and sleeps until its slot, so
 * waiting processes are served first come, first served. The common case (a slot free now) costs
 * one lock, one read and one write of a file of a few hundred bytes: a few milliseconds.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, HookError, InterruptedError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { Budget } from './rate.js';

export { GODADDY_BUDGET, checkRate, parseRate, type Budget } from './rate.js';
import { makeDirs } from '../state/mkdir.js';

/**
 * Slack added to the window: GoDaddy counts arrivals, we count departures, and a request can take a
 * moment longer to arrive than the one `limit` requests before it. 1 s for GoDaddy's minute.
 */
export function guardMs(windowMs: number): number {
  return Math.min(1000, Math.round(windowMs / 4));
}

export interface Pacer {
  /** Waits until a request to `endpoint` may be sent, and counts it. Returns the time waited (ms). */
  acquire(endpoint: string, signal?: AbortSignal): Promise<number>;
  /** GoDaddy said (429) that no request to `endpoint` may be sent before `at` (epoch ms). */
  hold(endpoint: string, at: number): Promise<void>;
}

/** No pacing at all (ACME_GODADDY_API_RATE=off). */
export const NO_PACING: Pacer = {
  acquire: async () => 0,
  hold: async () => undefined,
};

/** What is kept per endpoint. Times are epoch milliseconds. */
export interface EndpointState {
  /** Send times (past, or reserved in the future) within the last window, ascending. */
  sent: number[];
  /** No request before this time (from a 429). */
  notBefore?: number;
  /** After a 429, until this time, requests are spaced windowMs / limit apart (no burst on release). */
  spacedUntil?: number;
}

export interface PacerOptions {
  budget: Budget;
  /** A hold longer than this (from now) is not waited out: acquire() fails at once. Default 120 s. */
  maxHoldMs?: number;
  now?: () => number;
}

/**
 * The pacing rule, pure: reserves the earliest send time for one request and returns it, or
 * returns `{ refuse }` when GoDaddy's hold reaches further than `maxHoldMs`.
 */
export function reserve(state: EndpointState, now: number, budget: Budget, maxHoldMs: number): number | { refuse: number } {
  const windowMs = budget.windowMs + guardMs(budget.windowMs);
  state.sent = state.sent.filter((t) => t > now - windowMs).sort((a, b) => a - b);
  if (state.notBefore !== undefined && state.notBefore <= now) delete state.notBefore;
  if (state.spacedUntil !== undefined && state.spacedUntil <= now) delete state.spacedUntil;
  if (state.notBefore !== undefined && state.notBefore - now > maxHoldMs) return { refuse: state.notBefore };
  const last = state.sent[state.sent.length - 1];
  let slot = Math.max(now, state.notBefore ?? 0, last ?? 0);
  if (state.spacedUntil !== undefined && last !== undefined) slot = Math.max(slot, last + budget.windowMs / budget.limit);
  // Every entry is <= slot; the window ending at `slot` must hold fewer than `limit` of them.
  const n = state.sent.length;
  const inWindow = state.sent.filter((t) => t > slot - windowMs).length;
  if (inWindow >= budget.limit) slot = Math.max(slot, (state.sent[n - budget.limit] as number) + windowMs);
  slot = Math.ceil(slot);
  state.sent.push(slot);
  return slot;
}

/** Records a 429's "not before" time: later than any earlier one, and spacing for one window after it. */
export function applyHold(state: EndpointState, at: number, budget: Budget): void {
  state.notBefore = Math.max(state.notBefore ?? 0, Math.ceil(at));
  state.spacedUntil = Math.max(state.spacedUntil ?? 0, state.notBefore + budget.windowMs);
}

/** Pacing for one process only (no state directory): same rule, kept in memory. */
export class MemoryPacer implements Pacer {
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly now: () => number;
  private readonly maxHoldMs: number;

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
    this.maxHoldMs = options.maxHoldMs ?? 120_000;
  }

  async acquire(endpoint: string, signal?: AbortSignal): Promise<number> {
    let waited = 0;
    for (;;) {
      const state = this.state(endpoint);
      const now = this.now();
      const slot = reserve(state, now, this.options.budget, this.maxHoldMs);
      if (typeof slot !== 'number') throw holdTooLong(endpoint, slot.refuse, now);
      if (slot <= now) return waited;
      await sleep(slot - now, signal);
      waited += slot - now;
      if ((state.notBefore ?? 0) <= slot) return waited;
    }
  }

  async hold(endpoint: string, at: number): Promise<void> {
    applyHold(this.state(endpoint), at, this.options.budget);
  }

  private state(endpoint: string): EndpointState {
    let state = this.endpoints.get(endpoint);
    if (!state) {
      state = { sent: [] };
      this.endpoints.set(endpoint, state);
    }
    return state;
  }
}

interface BudgetFile {
  schema: 1;
  tool: 'acme-godaddy';
  endpoints: Record<string, EndpointState>;
}

/** The shared budget file of one (API origin, key) in `<stateDir>/ratelimit/`. */
export class FilePacer implements Pacer {
  readonly file: string;
  private readonly now: () => number;
  private readonly maxHoldMs: number;
  private readonly fallback: MemoryPacer;
  private broken = false;

  constructor(dir: string, id: string, private readonly options: PacerOptions & { log?: (message: string) => void }) {
    this.file = path.join(dir, `${id}.json`);
    this.now = options.now ?? Date.now;
    this.maxHoldMs = options.maxHoldMs ?? 120_000;
    this.fallback = new MemoryPacer(options);
  }

  async acquire(endpoint: string, signal?: AbortSignal): Promise<number> {
    let waited = 0;
    for (;;) {
      if (this.broken) return waited + await this.fallback.acquire(endpoint, signal);
      const result = await this.update(signal, (state) => {
        const now = this.now();
        return { now, slot: reserve(endpointOf(state, endpoint), now, this.options.budget, this.maxHoldMs) };
      });
      if (result === undefined) continue; // the file cannot be used: `broken` is now set
      const { now, slot } = result;
      if (typeof slot !== 'number') throw holdTooLong(endpoint, slot.refuse, now);
      if (slot <= now) return waited;
      await sleep(slot - now, signal);
      waited += slot - now;
      // A 429 seen by another process while we slept moves notBefore past our slot: reserve again.
      const notBefore = this.peekNotBefore(endpoint);
      if (notBefore === undefined || notBefore <= slot) return waited;
    }
  }

  async hold(endpoint: string, at: number): Promise<void> {
    await this.fallback.hold(endpoint, at);
    await this.update(undefined, (state) => applyHold(endpointOf(state, endpoint), at, this.options.budget));
  }

  private peekNotBefore(endpoint: string): number | undefined {
    return this.read().endpoints[endpoint]?.notBefore;
  }

  /** Read-modify-write under the lock. Undefined (and `broken` set) when the file cannot be used. */
  private async update<T>(signal: AbortSignal | undefined, change: (state: BudgetFile) => T): Promise<T | undefined> {
    if (this.broken) return undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await this.lock(signal);
      const state = this.read();
      const result = change(state);
      this.write(state);
      return result;
    } catch (err) {
      if (err instanceof HookError) throw err;
      this.broken = true;
      this.options.log?.(`request budget file ${this.file} unusable (${describe(err)}); pacing this process only`);
      return undefined;
    } finally {
      await release?.().catch(() => undefined);
    }
  }

  private async lock(signal: AbortSignal | undefined): Promise<() => Promise<void>> {
    const started = Date.now();
    let delay = 1;
    for (;;) {
      if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? 'a signal'));
      try {
        return await lockfile.lock(this.file, {
          realpath: false,
          lockfilePath: `${this.file}.lock`,
          // Held for a read and a write; a holder that died is taken over after 5 s.
          stale: 5_000,
          retries: 0,
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          makeDirs(path.dirname(this.file), 0o700);
          continue;
        }
        if (code !== 'ELOCKED') throw err;
        if (Date.now() - started > 15_000) throw new Error('lock busy for 15 s');
        await sleep(delay + Math.random() * delay, signal);
        delay = Math.min(20, delay * 2);
      }
    }
  }

  private read(): BudgetFile {
    try {
      const value = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<BudgetFile>;
      if (value && value.schema === 1 && value.tool === 'acme-godaddy' && value.endpoints && typeof value.endpoints === 'object') {
        const endpoints: Record<string, EndpointState> = {};
        for (const [name, e] of Object.entries(value.endpoints)) {
          if (!e || !Array.isArray(e.sent)) continue;
          endpoints[name] = {
            sent: e.sent.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)),
            ...(typeof e.notBefore === 'number' ? { notBefore: e.notBefore } : {}),
            ...(typeof e.spacedUntil === 'number' ? { spacedUntil: e.spacedUntil } : {}),
          };
        }
        return { schema: 1, tool: 'acme-godaddy', endpoints };
      }
    } catch {
      // missing or unreadable: the budget is only a cache of recent send times; start afresh
    }
    return { schema: 1, tool: 'acme-godaddy', endpoints: {} };
  }

  private write(state: BudgetFile): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

function endpointOf(state: BudgetFile, endpoint: string): EndpointState {
  let e = state.endpoints[endpoint];
  if (!e) {
    e = { sent: [] };
    state.endpoints[endpoint] = e;
  }
  return e;
}

/** File name for the budget of one API origin and key: a hash, so the key is never written. */
export function budgetId(apiUrl: URL, key: Secret): string {
  return createHash('sha256').update(`acme-godaddy budget\0${apiUrl.origin}\0${key.reveal()}`).digest('hex').slice(0, 16);
}

/**
 * The pacer the CLI uses: the budget file of this API origin and key in `<stateDir>/ratelimit/`,
 * at the rate of ACME_GODADDY_API_RATE (Config.apiRate, validated with the rest of the
 * configuration), or none.
 */
export function sharedPacer(options: {
  stateDir: string;
  apiUrl: URL;
  key: Secret;
  rate: Budget | 'off';
  log?: (message: string) => void;
}): Pacer {
  const { rate } = options;
  if (rate === 'off') return NO_PACING;
  return new FilePacer(path.join(options.stateDir, 'ratelimit'), budgetId(options.apiUrl, options.key),
    { budget: rate, ...(options.log ? { log: options.log } : {}) });
}

function holdTooLong(endpoint: string, until: number, now: number): HookError {
  return new HookError('GODADDY_RATE_LIMIT', ExitCode.TEMPFAIL,
    `GoDaddy rate limit: GoDaddy asked for no ${endpoint} request before ${new Date(until).toISOString()} (${Math.ceil((until - now) / 1000)} s from now); not waiting that long`,
    { hint: 'GoDaddy allows 60 requests per minute per endpoint and may also enforce a quota; try again later' });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}

/** setTimeout as a promise that an abort signal interrupts (InterruptedError). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new InterruptedError(String(signal.reason ?? 'a signal')));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError(String(signal?.reason ?? 'a signal')));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
