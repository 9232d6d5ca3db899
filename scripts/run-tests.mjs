#!/usr/bin/env node
// Runs the compiled test suites with node's built-in runner (`npm test` builds first).
//
//   node scripts/run-tests.mjs              # all phases
//   node scripts/run-tests.mjs unit e2e     # only these phases (unit, integration, e2e)
//
// Phases, in order:
//   1. dist/test/unit + dist/test/integration: files in parallel (one per core, at least 2; these
//      tests are mostly waiting on timers and loopback sockets, not CPU).
//   2. dist/test/e2e: files one at a time. Each e2e file starts its own simulator and Pebble and
//      runs real certbot (Python start-up alone is ~0.5 s of CPU); on a 2-core machine running
//      them next to each other or next to unit files only adds noise to the measured issuance
//      times and to the propagation waits.
// Only compiled files whose .ts source still exists are run, so a test deleted from test/ does not
// keep running from a stale dist/. Every phase runs even if an earlier one failed; the exit code
// is non-zero if any failed. The runner's own summary lines are printed per phase, followed by a
// total in the same format.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cores = availableParallelism();

const PHASES = [
  {
    name: 'unit+integration',
    keys: ['unit', 'integration'],
    dirs: ['test/unit', 'test/integration'],
    concurrency: Math.max(2, cores),
    testTimeoutMs: 60_000,
  },
  { name: 'e2e', keys: ['e2e'], dirs: ['test/e2e'], concurrency: 1, testTimeoutMs: 180_000 },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !PHASES.some((p) => p.keys.includes(w)));
if (unknown.length > 0) {
  console.error(`run-tests: unknown phase(s) ${unknown.join(', ')}; known: unit, integration, e2e`);
  process.exit(64);
}

/** Compiled `*.test.js` files under dist/<dir> (recursively) whose `.ts` source exists. */
function testFiles(dir) {
  const distDir = join(root, 'dist', dir);
  if (!existsSync(distDir)) return [];
  return readdirSync(distDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => existsSync(join(root, dir, f.replace(/\.js$/, '.ts'))))
    .sort()
    .map((f) => relative(root, join(distDir, f)));
}

const SUMMARY = /^(?:ℹ|#) (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)\s*$/;
const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 0 };

let current;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    current?.kill(sig);
    process.exitCode = 130;
  });
}

function runPhase(phase, files) {
  const args = [
    '--enable-source-maps',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${phase.concurrency}`,
    `--test-timeout=${phase.testTimeoutMs}`,
    ...files,
  ];
  console.log(`\n# phase ${phase.name}: ${files.length} file(s), concurrency ${phase.concurrency}`);
  console.log(`# node ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    let pending = '';
    const scan = (line) => {
      // Node 20's spec reporter prints the summary without colour when not on a TTY.
      const m = SUMMARY.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) totals[m[1]] += Number(m[2]);
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(scan);
    });
    child.on('close', (code, signal) => {
      scan(pending);
      current = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

let exitCode = 0;
let ran = 0;
for (const phase of PHASES) {
  if (wanted.length > 0 && !phase.keys.some((k) => wanted.includes(k))) continue;
  const files = phase.dirs
    .filter((d) => wanted.length === 0 || wanted.includes(d.split('/')[1]))
    .flatMap(testFiles);
  if (files.length === 0) {
    console.log(`\n# phase ${phase.name}: no compiled test files (${phase.dirs.join(', ')})`);
    continue;
  }
  ran += files.length;
  const code = await runPhase(phase, files);
  if (code !== 0 && exitCode === 0) exitCode = code;
}

if (ran === 0) {
  console.error('run-tests: no test files found under dist/test (did the build run?)');
  exitCode = 1;
}
console.log('\n# total over all phases');
for (const [k, v] of Object.entries(totals)) {
  console.log(`ℹ ${k} ${k === 'duration_ms' ? v.toFixed(1) : v}`);
}
process.exitCode = process.exitCode || exitCode;
