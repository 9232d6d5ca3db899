// Cold start: wall time of a hook that has nothing to wait for (CERTBOT_REMAINING_CHALLENGES=1)
// against a bare `node -e ''`, and `--version`, interleaved run by run (the order rotates every
// round) so the machine's noise hits every kind alike; plus the peak RSS of each kind of hook.
// "before" kinds run the same dist/ through entry-before.js, the start-up path as it was before
// the start-up change (issue #7 item 3), interleaved with the rest: before/after in one run.
// Finally the import cost of the hook's heaviest dependencies, each in a fresh process.

import { BASELINE_HOOK, BIN, ENTRY_BEFORE, IMPORT_COST, hasGnuTime, runProcess, rssWithGnuTime, rssWithPreload, type RssResult } from './proc.js';
import { makeTempDir, max, median, progress, removeTempDir, token } from './util.js';
import { certbotEnv, withWorld, type World } from './world.js';

export interface ColdOptions {
  rounds: number;
  warmup: number;
  rssReps: number;
  /** With /usr/bin/time: also run the preload probe once per kind, as a cross-check. */
  preloadCheck: boolean;
  signal: AbortSignal;
}

/** Wall-time kinds, in the order of the first round. */
const KINDS = ['bare', 'version', 'versionBefore', 'usAuth', 'usAuthBefore', 'usCleanup', 'naiveAuth', 'carefulAuth'] as const;
type Kind = (typeof KINDS)[number];

export interface RssKind {
  label: string;
  gnuTimeKiB: number[];
  preloadKiB: number[];
  cpuS: number[];
}

export interface ColdResult {
  rounds: number;
  samplesMs: Record<Kind, number[]>;
  medianMs: Record<Kind, number>;
  failures: string[];
  rssMethod: 'gnu-time' | 'preload';
  rss: Record<string, RssKind>;
  /** Peak over the acme-godaddy hook kinds (auth R=1, auth R=0 with a wait, cleanup), KiB. */
  peakHookKiB: number;
  /** Import cost of single dependencies in a fresh process: medians over the repetitions. */
  imports: ImportCost[];
}

export interface ImportCost {
  module: string;
  ms: number;
  /** Peak RSS added by the import (KiB). */
  addedKiB: number;
}

/** The hook's third-party dependencies, heaviest first (see the table's start-up rows). */
const IMPORT_MODULES = ['undici', 'dns2', 'dotenv', 'proper-lockfile'];

export async function coldStart(opts: ColdOptions): Promise<ColdResult> {
  return withWorld({ apiLatencyMs: 0, publishDelayMs: 150, pollIntervalS: 0.25, signal: opts.signal }, async (w) => {
    const samples = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
    const failures: string[] = [];
    const groups: Array<() => Promise<void>> = [];
    let n = 0;
    const env = w.env({});
    const timed = async (kind: Kind, run: () => Promise<{ ms: number; code: number; stderr: string }>, keep: boolean): Promise<void> => {
      const r = await run();
      if (r.code !== 0) failures.push(`${kind}: exit ${r.code} ${r.stderr.trim()}`);
      if (keep) samples[kind].push(r.ms);
    };
    const pair = (strategy: 'us' | 'naive' | 'careful', keep: () => boolean) => async (): Promise<void> => {
      const i = n++;
      const cert = certbotEnv(`cold-${strategy}-${i}`, `c${i}.example.test`, token('cold'), 1);
      const extra = { BENCH_BASELINE_WAIT: '0' };
      // The old start-up path on a name of its own, cleaned up (untimed) so the ledger stays small;
      // before and after alternate in which goes first.
      const runBefore = async (): Promise<void> => {
        if (strategy !== 'us') return;
        const before = certbotEnv(`cold-before-${i}`, `b${i}.example.test`, token('cold'), 1);
        await timed('usAuthBefore', () => runProcess(process.execPath, [ENTRY_BEFORE, 'auth'], w.env(before)), keep());
        await w.hook('us', 'cleanup', before);
      };
      if (round % 2 === 0) await runBefore();
      await timed(`${strategy}Auth` as Kind, () => w.hook(strategy, 'auth', cert, extra), keep());
      // Our cleanup is a figure too; the baselines' is not timed (each auth uses a fresh name).
      if (strategy === 'us') await timed('usCleanup', () => w.hook(strategy, 'cleanup', cert, extra), keep());
      if (round % 2 === 1) await runBefore();
    };
    let round = 0;
    const keep = (): boolean => round >= opts.warmup;
    groups.push(
      () => timed('bare', () => runProcess(process.execPath, ['-e', ''], env), keep()),
      () => timed('version', () => runProcess(process.execPath, [BIN, '--version'], env), keep()),
      () => timed('versionBefore', () => runProcess(process.execPath, [ENTRY_BEFORE, '--version'], env), keep()),
      pair('us', keep),
      pair('naive', keep),
      pair('careful', keep),
    );
    for (round = 0; round < opts.warmup + opts.rounds; round++) {
      if (opts.signal.aborted) break;
      for (let g = 0; g < groups.length; g++) await groups[(g + round) % groups.length]!();
    }
    progress(`cold start: ${opts.rounds} interleaved rounds done`);

    const rss = await measureRss(w, opts, failures);
    const medianMs = Object.fromEntries(KINDS.map((k) => [k, median(samples[k])])) as Record<Kind, number>;
    const method = hasGnuTime() ? 'gnu-time' : 'preload';
    const pick = (k: RssKind): number[] => (method === 'gnu-time' ? k.gnuTimeKiB : k.preloadKiB);
    const peakHookKiB = max(['usAuth', 'usAuthWait', 'usCleanup'].flatMap((k) => pick(rss[k]!)));
    const imports = await importCosts(opts, env, failures);
    return { rounds: opts.rounds, samplesMs: samples, medianMs, failures, rssMethod: method, rss, peakHookKiB, imports };
  });
}

async function measureRss(w: World, opts: ColdOptions, failures: string[]): Promise<Record<string, RssKind>> {
  const gnu = hasGnuTime();
  const dir = makeTempDir('rss');
  const out: Record<string, RssKind> = {};
  type Run = { args: string[]; env: NodeJS.ProcessEnv; before?: () => Promise<unknown>; after?: () => Promise<unknown> };
  const kinds: Array<{ key: string; label: string; args: (i: number) => Run }> = [
    { key: 'bare', label: "node -e ''", args: () => ({ args: ['-e', ''], env: w.env({}) }) },
    { key: 'version', label: '--version', args: () => ({ args: [BIN, '--version'], env: w.env({}) }) },
    { key: 'versionBefore', label: '--version, before', args: () => ({ args: [ENTRY_BEFORE, '--version'], env: w.env({}) }) },
    {
      key: 'usAuthBefore',
      label: 'auth (remaining 1), before',
      args: (i: number) => {
        const cert = certbotEnv(`rss-before-${i}`, `rb${i}.example.test`, token('rss'), 1);
        return { args: [ENTRY_BEFORE, 'auth'], env: w.env(cert), after: () => w.hook('us', 'cleanup', cert) };
      },
    },
    ...(['usAuth', 'usAuthWait'] as const).map((key) => ({
      key,
      label: key === 'usAuth' ? 'auth (remaining 1)' : 'auth (remaining 0, waits)',
      args: (i: number) => {
        const cert = certbotEnv(`rss-${key}-${i}`, `r${key}${i}.example.test`, token('rss'), key === 'usAuth' ? 1 : 0);
        return { args: [BIN, 'auth'], env: w.env(cert), after: () => w.hook('us', 'cleanup', cert) };
      },
    })),
    {
      key: 'usCleanup',
      label: 'cleanup (of a live value)',
      args: (i: number) => {
        const cert = certbotEnv(`rss-c-${i}`, `rc${i}.example.test`, token('rss'), 1);
        return { args: [BIN, 'cleanup'], env: w.env(cert), before: () => w.hook('us', 'auth', cert) };
      },
    },
    ...(['naive', 'careful'] as const).map((s) => ({
      key: `${s}Auth`,
      label: `${s} auth (write only)`,
      args: (i: number) => {
        const cert = certbotEnv(`rss-${s}-${i}`, `r${s}${i}.example.test`, token('rss'), 1);
        return { args: [BASELINE_HOOK, s, 'auth'], env: w.env(cert, { BENCH_BASELINE_WAIT: '0' }) };
      },
    })),
  ];
  try {
    for (const k of kinds) out[k.key] = { label: k.label, gnuTimeKiB: [], preloadKiB: [], cpuS: [] };
    for (let i = 0; i < opts.rssReps; i++) {
      for (const k of kinds) {
        if (opts.signal.aborted) return out;
        const record = (r: RssResult, into: number[]): void => {
          into.push(r.maxRssKiB);
          if (r.code !== 0) failures.push(`rss ${k.label}: exit ${r.code} ${r.stderr.trim()}`);
        };
        if (gnu) {
          const run = k.args(2 * i);
          await run.before?.();
          const r = await rssWithGnuTime(run.args, run.env);
          record(r, out[k.key]!.gnuTimeKiB);
          out[k.key]!.cpuS.push(r.cpuS);
          await run.after?.();
        }
        // The preload is the fallback; with /usr/bin/time present it runs once per kind as a cross-check.
        if (!gnu || (i === 0 && opts.preloadCheck)) {
          const run = k.args(2 * i + 1);
          await run.before?.();
          record(await rssWithPreload(run.args, run.env, dir), out[k.key]!.preloadKiB);
          await run.after?.();
        }
      }
    }
    progress(`cold start: peak RSS measured (${gnu ? '/usr/bin/time and preload' : 'preload only: /usr/bin/time missing'})`);
    return out;
  } finally {
    removeTempDir(dir);
  }
}

async function importCosts(opts: ColdOptions, env: NodeJS.ProcessEnv, failures: string[]): Promise<ImportCost[]> {
  const out: ImportCost[] = [];
  for (const module of IMPORT_MODULES) {
    const ms: number[] = [];
    const added: number[] = [];
    for (let i = 0; i < Math.max(1, opts.rssReps); i++) {
      if (opts.signal.aborted) break;
      const r = await runProcess(process.execPath, [IMPORT_COST, module], env, { timeoutMs: 30_000 });
      try {
        const j = JSON.parse(r.stdout) as { ms: number; baseKiB: number; maxRssKiB: number };
        ms.push(j.ms);
        added.push(j.maxRssKiB - j.baseKiB);
      } catch {
        failures.push(`import ${module}: exit ${r.code} ${r.stderr.trim().slice(0, 200)}`);
      }
    }
    out.push({ module, ms: median(ms), addedKiB: median(added) });
  }
  progress(`cold start: import cost of ${IMPORT_MODULES.join(', ')} measured`);
  return out;
}
