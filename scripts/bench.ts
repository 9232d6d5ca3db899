// `npm run bench`: acme-godaddy against baseline hook strategies (scripts/bench/baselines.ts),
// side by side in one run, against the in-process simulator, everything on loopback. Prints one
// table on stdout (progress on stderr) and writes the figures as JSON (issue #7; figures of #3
// item 2 and #5 item 7).
//
//   node dist/scripts/bench.js [--quick] [--out FILE] [--only cold,contention,propagation,flow]
//
// Order: the CPU-bound sections (cold start, contention) run one process or one batch at a time.
// The sleep-bound ones (propagation, certificate flow: hooks that mostly wait for DNS) run as
// concurrent lanes, each with its own simulator, so the baselines' 10 s polls and 30 s sleeps do
// not add up to many minutes. Three lanes hold only baseline hooks that sleep 10 s or 30 s
// between two short bursts of work ((a) flow | (a) propagation | (c) propagation + flow): they
// start at once and run beside the CPU-bound sections, whose figures they barely touch (a hook
// start every 10 s); their own figures get slower by what a loaded machine adds to a hook start,
// which favours acme-godaddy by that much (the table shows auths and cleanups apart). The lanes
// whose figures are sub-second run after the CPU-bound sections, by themselves, as four lanes:
// (b) flow | acme-godaddy flow | (b) propagation + acme-godaddy propagation at D = 1 s |
// acme-godaddy propagation at D = 5 s + flow at poll 0.25 s. Full run ≈ 4 min on 2 shared cores
// (most of it is the ~730 hook processes of the contention section; on a machine others load
// heavily it takes longer); --quick ≈ 40 s.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { coldStart, type ColdResult } from './bench/cold.js';
import { contention, type ContentionCell, type Layout } from './bench/contention.js';
import { flow, type FlowCell } from './bench/flow.js';
import { buildFingerprint, hasGnuTime, killAll } from './bench/proc.js';
import { propagationCell, type PropagationCell } from './bench/propagation.js';
import { buildReport, renderTable, type Results } from './bench/report.js';
import { BenchAborted, progress, removeTempDirs } from './bench/util.js';
import { FIXED_SLEEP_S, closeAllWorlds, setFixedSleepS, type Strategy } from './bench/world.js';

const USAGE = `usage: node dist/scripts/bench.js [--quick] [--out FILE] [--only SECTIONS]
  --quick          smoke run (< 60 s): every section and baseline at minimal size (1 round,
                   K = 1 and 8, D = 1 s, 2-name flow, (c) sleeps 3 s); not the target configuration
  --out FILE       where to write the JSON (default ./bench-results.json)
  --only LIST      comma-separated subset of: cold, contention, propagation, flow
  --help`;

const SECTIONS = ['cold', 'contention', 'propagation', 'flow'] as const;
type Section = (typeof SECTIONS)[number];

const TARGET_FLOW_DELAY_MS = 5000;
const API_LATENCY_MS = 20;

interface Plan {
  quick: boolean;
  cold: { rounds: number; warmup: number; rssReps: number; preloadCheck: boolean };
  contention: { ks: number[]; layouts: Layout[]; reps: (k: number) => number; cleanups: (layout: Layout, k: number) => boolean };
  propagation: { delaysMs: number[]; pollsMs: number[]; usPhases: number; naivePhases: number; carefulPhases: number; baselineSweepMs: number };
  /** Seconds baseline (c) sleeps once per run. */
  fixedSleepS: number;
  /** acme-godaddy runs the flow with the default poll interval (2 s) and again with `fastPollS`. */
  flow: { zones: number; delayMs: number; usReps: number; fastReps: number; baselineReps: number; pollIntervalS: number; fastPollS: number };
  deadlineMs: number;
}

function plan(quick: boolean): Plan {
  return quick
    ? {
      quick,
      cold: { rounds: 1, warmup: 1, rssReps: 1, preloadCheck: false },
      contention: { ks: [1, 8], layouts: ['one name', '8 names'], reps: () => 1, cleanups: (l, k) => l === 'one name' && k === 8 },
      propagation: { delaysMs: [1000], pollsMs: [250], usPhases: 2, naivePhases: 1, carefulPhases: 1, baselineSweepMs: 2000 },
      fixedSleepS: 3,
      flow: { zones: 1, delayMs: 1000, usReps: 1, fastReps: 1, baselineReps: 1, pollIntervalS: 2, fastPollS: 0.25 },
      deadlineMs: 150_000,
    }
    : {
      quick,
      cold: { rounds: 7, warmup: 1, rssReps: 2, preloadCheck: true },
      contention: {
        ks: [1, 8, 32, 64],
        layouts: ['one name', '8 names'],
        reps: (k) => (k === 1 ? 2 : 1),
        cleanups: (layout, k) => layout === 'one name' && k === 32,
      },
      propagation: { delaysMs: [1000, 5000], pollsMs: [2000, 250], usPhases: 3, naivePhases: 2, carefulPhases: 3, baselineSweepMs: 2000 },
      fixedSleepS: 30,
      flow: { zones: 5, delayMs: TARGET_FLOW_DELAY_MS, usReps: 2, fastReps: 1, baselineReps: 1, pollIntervalS: 2, fastPollS: 0.25 },
      deadlineMs: 600_000,
    };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { quick: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : [...SECTIONS];
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section(s) ${unknown.join(', ')}\n${USAGE}\n`);
    return 64;
  }
  const want = (s: Section): boolean => only.includes(s);
  const p = plan(args.quick === true);
  setFixedSleepS(p.fixedSleepS);
  const outFile = path.resolve(args.out ?? 'bench-results.json');

  // One abort listener per live child process, and the simulator's API adds one per delayed
  // response: dozens at K = 64, which is expected, not a leak.
  setMaxListeners(10_000);
  const controller = new AbortController();
  const { signal } = controller;
  setMaxListeners(10_000, signal);
  const abort = (why: string): void => {
    if (signal.aborted) return;
    progress(`aborting: ${why}`);
    controller.abort(why);
    killAll();
  };
  const onSignal = (s: NodeJS.Signals): void => abort(s);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const watchdog = setTimeout(() => abort(`deadline of ${p.deadlineMs / 1000} s exceeded`), p.deadlineMs);

  const started = Date.now();
  const loadBefore = os.loadavg();
  const buildBefore = buildFingerprint();
  const results: Results = {};
  const timings: Record<string, number> = {};
  try {
    progress(`${p.quick ? 'quick' : 'full'} run on ${os.availableParallelism()} CPU(s), node ${process.version}, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
    const prop: PropagationCell[] = [];
    const flows: FlowCell[] = [];
    const pr = p.propagation;
    const fl = p.flow;
    const runFlow = async (strategy: Strategy, pollIntervalS = fl.pollIntervalS): Promise<void> => {
      if (!want('flow')) return;
      const reps = strategy !== 'us' ? fl.baselineReps : pollIntervalS === fl.pollIntervalS ? fl.usReps : fl.fastReps;
      flows.push(await flow({
        strategy, zones: fl.zones, delayMs: fl.delayMs, reps,
        apiLatencyMs: API_LATENCY_MS, pollIntervalS, signal,
      }));
    };
    const baselineProp = async (strategy: Exclude<Strategy, 'us'>): Promise<void> => {
      if (!want('propagation')) return;
      for (const delayMs of pr.delaysMs) {
        const phases = strategy === 'naive' ? pr.naivePhases : strategy === 'careful' ? pr.carefulPhases : 1;
        prop.push(await propagationCell({
          strategy, delayMs, sweepMs: pr.baselineSweepMs, phases,
          apiLatencyMs: API_LATENCY_MS, signal,
        }));
      }
    };
    const usProp = async (delays: readonly number[]): Promise<void> => {
      if (!want('propagation')) return;
      for (const delayMs of delays) {
        for (const pollMs of pr.pollsMs) {
          prop.push(await propagationCell({ strategy: 'us', delayMs, pollMs, sweepMs: pollMs, phases: pr.usPhases, apiLatencyMs: API_LATENCY_MS, signal }));
        }
      }
    };
    const timed = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      const t = Date.now();
      try {
        await fn();
      } finally {
        timings[name] = Date.now() - t;
      }
    };
    // The sleep-bound baseline lanes start now and run beside the CPU-bound sections.
    const sleepers = Promise.allSettled([
      timed('(a) flow lane', () => runFlow('naive')),
      timed('(a) propagation lane', () => baselineProp('naive')),
      timed('(c) lane', async () => { await baselineProp('fixed'); await runFlow('fixed'); }),
    ]);
    try {
      if (want('cold')) {
        await timed('cold', async () => { results.cold = await coldStart({ ...p.cold, signal }) satisfies ColdResult; });
      }
      if (want('contention')) {
        await timed('contention', async () => {
          results.contention = await contention({ ...p.contention, apiLatencyMs: API_LATENCY_MS, signal }) satisfies ContentionCell[];
        });
      }
      // Four lanes of roughly equal length ((b)'s flow, ten waits of D, sets the floor).
      const [firstDelay, ...otherDelays] = pr.delaysMs;
      const lanes = await Promise.allSettled([
        timed('(b) flow lane', () => runFlow('careful')),
        timed('us flow lane', () => runFlow('us')),
        timed('(b) + us propagation lane', async () => { await baselineProp('careful'); await usProp(firstDelay === undefined ? [] : [firstDelay]); }),
        timed('us propagation + fast flow lane', async () => { await usProp(otherDelays); await runFlow('us', fl.fastPollS); }),
      ]);
      const failed = [...lanes, ...(await sleepers)].find((l): l is PromiseRejectedResult => l.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      if (!(err instanceof BenchAborted)) progress(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      abort(err instanceof Error ? err.message : String(err)); // stops the sleeping lanes too
      throw err;
    } finally {
      // Whatever happened above, the sleeping lanes are waited for (an abort kills their hooks).
      await sleepers;
      const order = { us: 0, naive: 1, careful: 2, fixed: 3 };
      prop.sort((a, b) => order[a.strategy] - order[b.strategy] || a.delayMs - b.delayMs || (b.pollMs ?? 0) - (a.pollMs ?? 0));
      flows.sort((a, b) => order[a.strategy] - order[b.strategy] || b.pollIntervalS - a.pollIntervalS);
      if (want('propagation')) results.propagation = prop;
      if (want('flow')) results.flow = flows;
    }
  } catch (err) {
    if (!(err instanceof BenchAborted) && !signal.aborted) throw err;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    killAll();
    await closeAllWorlds();
    removeTempDirs();
  }

  const buildAfter = buildFingerprint();
  const { rows, targets } = buildReport(results, { flowDelayMs: p.flow.delayMs, flowZones: p.flow.zones, flowPollS: p.flow.pollIntervalS, targetFlowDelayMs: TARGET_FLOW_DELAY_MS });
  const durationMs = Date.now() - started;
  const json = {
    meta: {
      date: new Date(started).toISOString(),
      quick: p.quick,
      sections: only,
      aborted: signal.aborted ? String(signal.reason) : false,
      durationMs,
      sectionMs: timings,
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model,
      loadavgBefore: loadBefore,
      loadavgAfter: os.loadavg(),
      gnuTime: hasGnuTime(),
      build: { before: buildBefore, after: buildAfter, changedDuringRun: buildBefore !== buildAfter },
      apiLatencyMs: API_LATENCY_MS,
      plan: {
        ...p,
        contention: {
          ...p.contention,
          reps: Object.fromEntries(p.contention.ks.map((k) => [k, p.contention.reps(k)])),
          cleanups: p.contention.layouts.flatMap((l) => p.contention.ks.filter((k) => p.contention.cleanups(l, k)).map((k) => `${l} K=${k}`)),
        },
      },
      notes: [
        'Times are wall-clock from spawn to the child\'s exit event; all hooks run as child processes (process.execPath bin/acme-godaddy, or dist/scripts/bench/baseline-hook.js).',
        'Simulator rate limit raised to 1e6/min and acme-godaddy\'s own request budget to ACME_GODADDY_API_RATE=100000/60 (its pacing code runs but never waits), so the strategies are measured, not GoDaddy\'s 60/min; maxPerRoute in contention runs shows what the 60/min limit would have meant.',
        'Nameservers: ns1 publishes 0.6·D after a write, ns2 D after.',
        'Propagation and flow run as six lanes, each on its own simulator: (a) flow, (a) propagation and (c) run beside the cold start and contention sections (their hooks sleep 10 s / 30 s between short bursts of work; a slower start under that load makes (a) and (c) at most a few hundred ms per hook slower); (b), acme-godaddy flow and acme-godaddy propagation run after them, by themselves, in four lanes.',
        `Baseline (c) sleeps ${FIXED_SLEEP_S} s once per run (in the auth with remaining 0) and checks nothing; it appears only in the propagation and flow sections (its write path is (b)'s).`,
      ],
    },
    coldStart: results.cold,
    contention: results.contention,
    propagation: results.propagation,
    flow: results.flow,
    targets,
    table: rows,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(renderTable(rows, targets));
  process.stdout.write(`\n${p.quick ? 'quick' : 'full'} run in ${(durationMs / 1000).toFixed(1)} s (${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}); JSON: ${outFile}\n`);
  if (buildBefore !== buildAfter) {
    process.stdout.write('WARNING: bin/ or dist/src changed while the bench ran (a rebuild of the same tree?): the figures mix two builds; run it again.\n');
  }
  if (signal.aborted) {
    process.stderr.write(`bench: aborted (${String(signal.reason)}); figures are partial\n`);
    return 75;
  }
  return 0;
}

process.exitCode = await main();
