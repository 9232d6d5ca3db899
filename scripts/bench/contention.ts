// Contention: K concurrent `auth` hooks (CERTBOT_REMAINING_CHALLENGES=1, a distinct run id each)
// on one name, or spread round-robin over 8 names of one zone, with 20 ms of simulated API
// latency; then the K matching cleanups, also all at once. Baselines run their write path only
// (BENCH_BASELINE_WAIT=0): their per-call wait is what the propagation and flow sections measure.

import type { Sim } from '../../src/sim/sim.js';
import { median, min, progress, token } from './util.js';
import { STRATEGIES, certbotEnv, recordOf, withWorld, type Strategy } from './world.js';

export type Layout = 'one name' | '8 names';

export interface ContentionOptions {
  ks: readonly number[];
  layouts: readonly Layout[];
  /** Repetitions for a given K (medians are reported). */
  reps: (k: number) => number;
  /** Whether to also run (and time) the K concurrent cleanups, in the first repetition. */
  cleanups: (layout: Layout, k: number) => boolean;
  apiLatencyMs: number;
  signal: AbortSignal;
}

export interface ContentionRun {
  authWallMs: number;
  authRequests: number;
  authPuts: number;
  authErrors: number;
  authFailedHooks: number;
  /** Values present at GoDaddy (API view) after the last auth exited. */
  live: number;
  /** Most requests on one route template (e.g. every GET of a TXT name) in the run: GoDaddy allows 60 per minute. */
  maxPerRoute: number;
  cleanupWallMs: number | undefined;
  cleanupRequests: number;
  cleanupWrites: number;
  cleanupFailedHooks: number;
  /** Of our values, still present after every cleanup exited. */
  leftBehind: number;
  stderr: string[];
}

export interface ContentionCell {
  layout: Layout;
  k: number;
  strategy: Strategy;
  runs: ContentionRun[];
  authWallMs: number;
  requestsPerValue: number;
  putsPerValue: number;
  puts: number;
  /** Worst run. */
  live: number;
  allLive: boolean;
  /** Undefined when the cleanups were not run for this cell. */
  cleanupWallMs: number | undefined;
  cleanupWritesPerValue: number | undefined;
  leftBehind: number | undefined;
  failedHooks: number;
}

const NAMES_8 = Array.from({ length: 8 }, (_, i) => `n${i}.example.test`);

export async function contention(opts: ContentionOptions): Promise<ContentionCell[]> {
  const cells: ContentionCell[] = [];
  for (const layout of opts.layouts) {
    // K = 1 touches one name whatever the layout: measured once, under 'one name'.
    for (const k of opts.ks.filter((k) => !(k === 1 && layout === '8 names' && opts.layouts.includes('one name')))) {
      const runs: Record<Strategy, ContentionRun[]> = { us: [], naive: [], careful: [], fixed: [] };
      for (let rep = 0; rep < opts.reps(k); rep++) {
        // Strategies interleaved (order rotates per repetition) so load drifts hit all alike.
        for (let s = 0; s < STRATEGIES.length; s++) {
          if (opts.signal.aborted) return cells;
          const strategy = STRATEGIES[(s + rep) % STRATEGIES.length]!;
          runs[strategy].push(await oneRun(opts, layout, k, strategy, rep, rep === 0 && opts.cleanups(layout, k)));
        }
      }
      for (const strategy of STRATEGIES) {
        const rs = runs[strategy];
        const cell: ContentionCell = {
          layout, k, strategy, runs: rs,
          authWallMs: median(rs.map((r) => r.authWallMs)),
          requestsPerValue: median(rs.map((r) => r.authRequests / k)),
          putsPerValue: median(rs.map((r) => r.authPuts / k)),
          puts: median(rs.map((r) => r.authPuts)),
          live: min(rs.map((r) => r.live)),
          allLive: rs.every((r) => r.live === k),
          ...cleanupFigures(rs, k),
          failedHooks: Math.max(...rs.map((r) => r.authFailedHooks + r.cleanupFailedHooks)),
        };
        cells.push(cell);
      }
      progress(`contention: ${layout} K=${k} done`);
    }
  }
  return cells;
}

function cleanupFigures(rs: readonly ContentionRun[], k: number): Pick<ContentionCell, 'cleanupWallMs' | 'cleanupWritesPerValue' | 'leftBehind'> {
  const with_ = rs.filter((r) => r.cleanupWallMs !== undefined);
  if (with_.length === 0) return { cleanupWallMs: undefined, cleanupWritesPerValue: undefined, leftBehind: undefined };
  return {
    cleanupWallMs: median(with_.map((r) => r.cleanupWallMs!)),
    cleanupWritesPerValue: median(with_.map((r) => r.cleanupWrites / k)),
    leftBehind: Math.max(...with_.map((r) => r.leftBehind)),
  };
}

async function oneRun(opts: ContentionOptions, layout: Layout, k: number, strategy: Strategy, rep: number, withCleanup: boolean): Promise<ContentionRun> {
  return withWorld({ apiLatencyMs: opts.apiLatencyMs, publishDelayMs: 0, signal: opts.signal }, async (w) => {
    const names = layout === 'one name' ? ['example.test'] : NAMES_8;
    const calls = Array.from({ length: k }, (_, i) => {
      const domain = names[i % names.length]!;
      return { domain, cert: certbotEnv(`k${k}-${rep}-${i}`, domain, token(`k${k}-${i}`), 1) };
    });
    const extra = { BENCH_BASELINE_WAIT: '0' };
    const stderr: string[] = [];

    const t0 = performance.now();
    const auths = await Promise.all(calls.map((c) => w.hook(strategy, 'auth', c.cert, extra)));
    const authWallMs = Math.max(...auths.map((r) => r.exitedAt)) - t0;
    const authLog = [...w.sim.requests];
    const live = calls.filter((c) => valuesAt(w.sim, c.domain).includes(c.cert['CERTBOT_VALIDATION']!)).length;
    for (const r of auths) if (r.code !== 0) stderr.push(r.stderr.trim());

    const t1 = performance.now();
    const cleanups = withCleanup ? await Promise.all(calls.map((c) => w.hook(strategy, 'cleanup', c.cert, extra))) : [];
    const cleanupWallMs = withCleanup ? Math.max(...cleanups.map((r) => r.exitedAt)) - t1 : undefined;
    const cleanupLog = w.sim.requests.slice(authLog.length);
    const leftBehind = !withCleanup ? 0 : calls.filter((c) => valuesAt(w.sim, c.domain).includes(c.cert['CERTBOT_VALIDATION']!)).length;
    for (const r of cleanups) if (r.code !== 0) stderr.push(r.stderr.trim());

    const perRoute = new Map<string, number>();
    for (const r of w.sim.requests) perRoute.set(r.route ?? r.path, (perRoute.get(r.route ?? r.path) ?? 0) + 1);
    return {
      authWallMs,
      authRequests: authLog.length,
      authPuts: authLog.filter((r) => r.method === 'PUT').length,
      authErrors: authLog.filter((r) => r.status >= 400 || r.status === 0).length,
      authFailedHooks: auths.filter((r) => r.code !== 0).length,
      live,
      maxPerRoute: Math.max(0, ...perRoute.values()),
      cleanupWallMs,
      cleanupRequests: cleanupLog.length,
      cleanupWrites: cleanupLog.filter((r) => r.method === 'PUT' || r.method === 'DELETE').length,
      cleanupFailedHooks: cleanups.filter((r) => r.code !== 0).length,
      leftBehind,
      stderr: [...new Set(stderr)].slice(0, 5),
    };
  });
}

function valuesAt(sim: Sim, domain: string): string[] {
  const { zone, record } = recordOf(domain);
  return sim.txt(zone, record);
}
