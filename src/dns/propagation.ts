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
  signal?: AbortSignal | undefined;
  query?: Query;
  now?: () => number;
  /** Called after every round with the pending checks (for progress output). */
  onRound?: (pending: readonly PendingCheck[], elapsedMs: number) => void;
}

export interface PendingCheck {
  server: Nameserver;
  fqdn: string;
  missing: string[];
  /** What went wrong on the last attempt, when it was not simply "value not there yet". */
  problem: string | undefined;
}

export interface WaitResult {
  elapsedMs: number;
  rounds: number;
  checks: number;
}

/**
 * Polls every (server, name) pair without recursion until each one serves every expected value.
 * Pairs that are done are not asked again. SERVFAIL, REFUSED, timeouts and NXDOMAIN all mean
 * "not yet"; the timeout error names each lagging server, the values it lacks and its last problem.
 */
export async function waitForPropagation(targets: readonly PropagationTarget[], options: WaitOptions): Promise<WaitResult> {
  const q = options.query ?? defaultQuery;
  const now = options.now ?? Date.now;
  const started = now();
  let pending: PendingCheck[] = targets.flatMap((t) =>
    t.servers.map((server) => ({ server, fqdn: t.fqdn, missing: [...new Set(t.values)], problem: undefined })));
  let rounds = 0;
  let checks = 0;
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new InterruptedError(signalName(options.signal));
    const roundStart = now();
    const remaining = started + options.timeoutMs - roundStart;
    const perQueryTimeout = Math.max(200, Math.min(2000, options.pollIntervalMs, remaining));
    rounds++;
    checks += pending.length;
    pending = (await Promise.all(pending.map((check) => probe(q, check, perQueryTimeout)))).filter(
      (check): check is PendingCheck => check !== undefined);
    options.onRound?.(pending, now() - started);
    if (pending.length === 0) break;
    const elapsed = now() - started;
    if (elapsed >= options.timeoutMs) throw timeoutError(pending, elapsed);
    const wait = Math.min(options.pollIntervalMs - (now() - roundStart), started + options.timeoutMs - now());
    if (wait > 0) await sleep(wait, options.signal);
  }
  return { elapsedMs: now() - started, rounds, checks };
}

async function probe(q: Query, check: PendingCheck, timeoutMs: number): Promise<PendingCheck | undefined> {
  try {
    const answer = await q({ host: check.server.address, port: check.server.port }, check.fqdn, RR.TXT,
      { recursive: false, timeoutMs });
    if (answer.rcode !== RCODE.NOERROR && answer.rcode !== RCODE.NXDOMAIN) {
      return { ...check, problem: rcodeName(answer.rcode) };
    }
    const served = new Set(answer.answers.filter((r) => r.type === RR.TXT && r.name === check.fqdn).map((r) => r.data));
    const missing = check.missing.filter((v) => !served.has(v));
    if (missing.length === 0) return undefined;
    return { ...check, missing, problem: answer.rcode === RCODE.NXDOMAIN ? 'NXDOMAIN' : undefined };
  } catch (err) {
    return { ...check, problem: (err as Error).message };
  }
}

function timeoutError(pending: readonly PendingCheck[], elapsedMs: number): PropagationTimeoutError {
  const parts = pending.map((p) => {
    const where = p.server.name === p.server.address ? `${p.server.address}:${p.server.port}`
      : `${p.server.name} (${p.server.address}:${p.server.port})`;
    const problem = p.problem ? `, last answer: ${p.problem}` : '';
    return `${where} lacks ${p.missing.map(shortValue).join(', ')} at ${p.fqdn}${problem}`;
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
