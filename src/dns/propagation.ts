import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { PropagationTimeoutError, InterruptedError } from '../errors.js';
import { shortValue } from '../domain/names.js';
import { RCODE, RR, query as defaultQuery, type Query } from './client.js';
import type { Nameserver } from './resolver.js';

/** One name whose TXT RRset must contain `values` on every server in `servers`. */
export interface PropagationTarget {
  fqdn: string;
  values: readonly string[];
  servers: readonly Nameserver[];
}

export interface WaitOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  /**
   * How many answers in a row each server must give with every value (default 1). More than one
   * rides out anycast nodes that have not caught up yet behind an address that already answered.
   */
  confirmations?: number;
  /** Extra time to wait once every server has confirmed (default 0), for CAs that ask later. */
  settleMs?: number;
  signal?: AbortSignal | undefined;
  query?: Query;
  now?: () => number;
  /**
   * Called after every answer (and once before the first) with the checks still pending and the
   * state of every server address, for progress output.
   */
  onRound?: (pending: readonly PendingCheck[], elapsedMs: number, servers: readonly ServerProgress[]) => void;
}

export interface PendingCheck {
  server: Nameserver;
  fqdn: string;
  missing: string[];
  /** What went wrong on the last attempt, when it was not simply "value not there yet". */
  problem: string | undefined;
}

/** One server address, over every name it is asked about. */
export interface ServerProgress {
  server: Nameserver;
  /** Values it must serve, over all names. */
  expected: number;
  /** Values it served in its latest answers (confirmed names count in full). */
  served: number;
  /** Every name confirmed the required number of times. */
  done: boolean;
  /** Latest problem on a name still pending (rcode, timeout, lost value), if any. */
  problem: string | undefined;
  /** Queries sent to this address so far. */
  queries: number;
}

export interface WaitResult {
  elapsedMs: number;
  /** Most queries any one (server, name) pair needed. */
  rounds: number;
  checks: number;
}

interface CheckState extends PendingCheck {
  values: readonly string[];
  /** Answers in a row that held every value. */
  streak: number;
  done: boolean;
  queries: number;
}

/**
 * Polls every (server, name) pair without recursion until each one serves every expected value
 * in `confirmations` answers in a row. Each pair runs its own loop, one query per poll interval,
 * so a server that times out does not hold back the others, and a pair that is done is not asked
 * again. SERVFAIL, REFUSED, timeouts, answers without the AA bit, NXDOMAIN and NODATA all mean
 * "not yet"; the timeout error names each lagging server, the values it lacks and its last problem.
 */
export async function waitForPropagation(targets: readonly PropagationTarget[], options: WaitOptions): Promise<WaitResult> {
  const q = options.query ?? defaultQuery;
  const now = options.now ?? Date.now;
  const confirmations = Math.max(1, options.confirmations ?? 1);
  const started = now();
  const deadline = started + options.timeoutMs;
  const states: CheckState[] = targets.flatMap((t) => t.servers.map((server) => {
    const values = [...new Set(t.values)];
    return { server, fqdn: t.fqdn, values, missing: values, problem: undefined, streak: 0, done: false, queries: 0 };
  }));
  const report = (): void => {
    options.onRound?.(states.filter((s) => !s.done).map(pendingView), now() - started, serverProgress(states));
  };
  // Ends every loop as soon as one fails (a signal) or the wait is over.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  report();
  try {
    await Promise.all(states.map(async (state) => {
      while (!state.done) {
        if (stop.signal.aborted) throw new InterruptedError(signalName(stop.signal));
        const pollStart = now();
        const remaining = deadline - pollStart;
        const timeoutMs = Math.max(50, Math.min(QUERY_TIMEOUT_MS, Math.max(MIN_QUERY_TIMEOUT_MS, options.pollIntervalMs), remaining));
        await probe(q, state, timeoutMs, confirmations);
        report();
        if (state.done) return;
        if (now() >= deadline) return;
        const wait = Math.min(options.pollIntervalMs - (now() - pollStart), deadline - now());
        if (wait > 0) await sleep(wait, stop.signal);
      }
    }));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort('done');
  }
  const pending = states.filter((s) => !s.done);
  const checks = states.reduce((sum, s) => sum + s.queries, 0);
  const rounds = Math.max(0, ...states.map((s) => s.queries));
  if (pending.length > 0) throw timeoutError(pending, now() - started, confirmations);
  if (options.settleMs && options.settleMs > 0) await sleep(options.settleMs, options.signal);
  return { elapsedMs: now() - started, rounds, checks };
}

/** Longest wait for one answer: generous for a slow link, and TCP gets as long again. */
const QUERY_TIMEOUT_MS = 2000;
/** Shortest per-query timeout, even with a very short poll interval. */
const MIN_QUERY_TIMEOUT_MS = 1000;

function pendingView(s: CheckState): PendingCheck {
  return { server: s.server, fqdn: s.fqdn, missing: s.missing, problem: s.problem };
}

function serverKey(server: Nameserver): string {
  return `${server.name} ${server.address} ${server.port}`;
}

function serverProgress(states: readonly CheckState[]): ServerProgress[] {
  const byServer = new Map<string, ServerProgress>();
  for (const s of states) {
    const key = serverKey(s.server);
    const entry = byServer.get(key) ?? { server: s.server, expected: 0, served: 0, done: true, problem: undefined, queries: 0 };
    entry.expected += s.values.length;
    entry.served += s.done ? s.values.length : s.values.length - s.missing.length;
    entry.done &&= s.done;
    if (!s.done && s.problem) entry.problem = s.problem;
    entry.queries += s.queries;
    byServer.set(key, entry);
  }
  return [...byServer.values()];
}

async function probe(q: Query, state: CheckState, timeoutMs: number, confirmations: number): Promise<void> {
  state.queries++;
  let served: Set<string>;
  try {
    const answer = await q({ host: state.server.address, port: state.server.port }, state.fqdn, RR.TXT,
      { recursive: false, timeoutMs });
    if (answer.rcode !== RCODE.NOERROR && answer.rcode !== RCODE.NXDOMAIN) {
      return notYet(state, state.values, rcodeName(answer.rcode));
    }
    if (!answer.authoritative) return notYet(state, state.values, 'answer without the AA bit (not authoritative for the zone)');
    served = new Set(answer.answers.filter((r) => r.type === RR.TXT && r.name === state.fqdn).map((r) => r.data));
    const missing = state.values.filter((v) => !served.has(v));
    if (missing.length > 0) {
      const problem = answer.rcode === RCODE.NXDOMAIN ? 'NXDOMAIN' : served.size === 0 ? 'NODATA' : undefined;
      const lost = state.streak > 0 ? `served every value, then lacked ${missing.map(shortValue).join(', ')} again` : problem;
      return notYet(state, missing, lost);
    }
  } catch (err) {
    return notYet(state, state.values, (err as Error).message);
  }
  state.missing = [];
  state.problem = undefined;
  state.streak++;
  if (state.streak >= confirmations) state.done = true;
}

function notYet(state: CheckState, missing: readonly string[], problem: string | undefined): void {
  state.streak = 0;
  state.missing = [...missing];
  state.problem = problem;
}

function where(server: Nameserver): string {
  return server.name === server.address ? `${server.address}:${server.port}`
    : `${server.name} (${server.address.includes(':') ? `[${server.address}]` : server.address}:${server.port})`;
}

function timeoutError(pending: readonly CheckState[], elapsedMs: number, confirmations: number): PropagationTimeoutError {
  const byServer = new Map<string, CheckState[]>();
  for (const p of pending) byServer.set(serverKey(p.server), [...(byServer.get(serverKey(p.server)) ?? []), p]);
  const parts = [...byServer.values()].map((checks) => {
    const lacking = checks.filter((c) => c.missing.length > 0).map((c) => `${c.missing.map(shortValue).join(', ')} at ${c.fqdn}`);
    const unconfirmed = checks.filter((c) => c.missing.length === 0)
      .map((c) => `${c.fqdn} (${c.streak} of ${confirmations} answers in a row)`);
    const what = [
      lacking.length > 0 ? `lacks ${lacking.join(' and ')}` : undefined,
      unconfirmed.length > 0 ? `has not yet confirmed ${unconfirmed.join(', ')}` : undefined,
    ].filter((x): x is string => x !== undefined).join(' and ');
    const problems = [...new Set(checks.map((c) => c.problem).filter((p): p is string => p !== undefined))];
    return `${where(checks[0]!.server)} ${what}${problems.length > 0 ? ` (last answer: ${problems.join('; ')})` : ''}`;
  });
  return new PropagationTimeoutError(
    `TXT records not visible on every authoritative server after ${Math.round(elapsedMs / 1000)} s: ${parts.join('; ')}`,
    'raise ACME_GODADDY_PROPAGATION_TIMEOUT if GoDaddy is slow today; `acme-godaddy status` shows what is pending');
}

export function rcodeName(rcode: number): string {
  return ({ 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' } as Record<number, string>)[rcode]
    ?? `rcode ${rcode}`;
}

function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'a signal';
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError(signalName(signal)));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(new InterruptedError(signalName(signal!)));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Drops IPv6 addresses this host has no route to (a UDP connect fails at once), so a v4-only
 * host does not wait out the timeout on servers it can never reach. Returns the dropped ones.
 */
export async function dropUnreachable(servers: readonly Nameserver[]): Promise<{ usable: Nameserver[]; dropped: Nameserver[] }> {
  const results = await Promise.all(servers.map(async (s) => ({ s, ok: !isIPv6(s.address) || await routable6(s) })));
  return { usable: results.filter((r) => r.ok).map((r) => r.s), dropped: results.filter((r) => !r.ok).map((r) => r.s) };
}

function routable6(server: Nameserver): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp6');
    socket.on('error', () => {
      socket.close();
      resolve(false);
    });
    socket.connect(server.port, server.address, () => {
      socket.close();
      resolve(true);
    });
  });
}
