// Child processes for the benchmark: every hook runs as its own process, exactly as certbot
// starts it, bounded in time and tracked so an interrupted bench kills what it started.
//
// Peak RSS. Node 20's child_process does not expose the child's rusage, so the bench reads it
// one of two ways:
//   1. `/usr/bin/time -f '%M %U %S'` (Debian package `time`): the kernel's ru_maxrss from wait4(),
//      measured from outside; nothing is injected into the hook, and the whole life of the
//      process is covered (including everything after the last line of JS ran). Preferred.
//   2. Fallback when /usr/bin/time is missing: `node --import rss-preload.js`, a preload that
//      writes `process.resourceUsage().maxRSS` (getrusage(RUSAGE_SELF), the same counter) to a
//      file from the 'exit' event. It runs inside the hook, adds its own few hundred KB, and
//      misses a hook that dies by signal, so it is the second choice.
// When both are available the bench runs both on the same hook and reports them side by side.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/scripts/bench -> repository root. */
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'acme-godaddy');
export const BASELINE_HOOK = path.join(here, 'baseline-hook.js');
export const RSS_PRELOAD = path.join(here, 'rss-preload.js');
/** The start-up path before the #7 item 3 change, on the same dist/ (see entry-before.ts). */
export const ENTRY_BEFORE = path.join(here, 'entry-before.js');
export const IMPORT_COST = path.join(here, 'import-cost.js');
export const GNU_TIME = '/usr/bin/time';

export interface ProcResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** performance.now() at spawn and at the 'exit' event. */
  startedAt: number;
  exitedAt: number;
  /** Date.now() at the 'exit' event (the simulator's clock). */
  exitedAtEpoch: number;
  ms: number;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();

/**
 * Every child runs in its own process group (spawned detached), so a kill reaches the hook even
 * when it runs under /usr/bin/time: killing only the `time` process would orphan the node process
 * below it.
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs every child the bench started that is still running (used on abort). */
export function killAll(): void {
  for (const child of live) killGroup(child);
}

export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let exitedAt = 0;
    let exitedAtEpoch = 0;
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const kill = (): void => { killGroup(child); };
    const timer = setTimeout(() => { timedOut = true; kill(); }, options.timeoutMs ?? 120_000);
    options.signal?.addEventListener('abort', kill, { once: true });
    child.on('exit', () => {
      exitedAt = performance.now();
      exitedAtEpoch = Date.now();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      live.delete(child);
      if (exitedAt === 0) {
        exitedAt = performance.now();
        exitedAtEpoch = Date.now();
      }
      resolve({ code: code ?? 128, signal, stdout, stderr, startedAt, exitedAt, exitedAtEpoch, ms: exitedAt - startedAt, timedOut });
    });
  });
}

/**
 * A fingerprint of what the bench executes (bin/acme-godaddy, dist/src, package.json): compared at
 * the start and the end of a run, so a rebuild in the middle of it (another `tsc` on the same
 * tree) shows up instead of silently mixing two builds in one table.
 */
export function buildFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) hash.update(full).update(fs.readFileSync(full));
    }
  };
  for (const file of [BIN, path.join(REPO_ROOT, 'package.json')]) {
    try {
      hash.update(file).update(fs.readFileSync(file));
    } catch {
      // missing: part of the fingerprint too
    }
  }
  walk(path.join(REPO_ROOT, 'dist', 'src'));
  return hash.digest('hex').slice(0, 16);
}

export function hasGnuTime(): boolean {
  if (process.env['BENCH_NO_GNU_TIME'] === '1') return false; // to exercise the fallback
  try {
    fs.accessSync(GNU_TIME, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RssResult {
  /** Peak resident set size in KiB; NaN when it could not be read. */
  maxRssKiB: number;
  /** user + system CPU seconds (GNU time only; NaN with the preload). */
  cpuS: number;
  code: number;
  stderr: string;
}

const TIME_MARK = '@@bench-time@@';

/** Runs `node args` under /usr/bin/time and returns its peak RSS and CPU time. */
export async function rssWithGnuTime(nodeArgs: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RssResult> {
  const r = await runProcess(GNU_TIME, ['-f', `${TIME_MARK} %M %U %S`, process.execPath, ...nodeArgs], env, { timeoutMs });
  const line = r.stderr.split('\n').find((l) => l.startsWith(TIME_MARK));
  const [, rss, user, sys] = (line ?? '').split(' ');
  const stderr = r.stderr.split('\n').filter((l) => !l.startsWith(TIME_MARK) && !l.startsWith('Command exited with non-zero status')).join('\n');
  return { maxRssKiB: Number(rss), cpuS: Number(user) + Number(sys), code: r.code, stderr };
}

let rssCounter = 0;

/** Runs `node --import rss-preload.js args`; the preload reports maxRSS from the 'exit' event. */
export async function rssWithPreload(nodeArgs: readonly string[], env: NodeJS.ProcessEnv, dir: string, timeoutMs = 60_000): Promise<RssResult> {
  const out = path.join(dir, `rss-${process.pid}-${++rssCounter}.txt`);
  const r = await runProcess(process.execPath, ['--import', pathToFileURL(RSS_PRELOAD).href, ...nodeArgs],
    { ...env, BENCH_RSS_OUT: out }, { timeoutMs });
  let kib = NaN;
  try {
    kib = Number(fs.readFileSync(out, 'utf8').trim());
    fs.rmSync(out, { force: true });
  } catch {
    // the hook died before 'exit'
  }
  return { maxRssKiB: kib, cpuS: NaN, code: r.code, stderr: r.stderr };
}
