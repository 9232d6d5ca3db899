/**
 * Harness for the concurrency and crash tests (test/integration/stress-*, crash-*) and for
 * `scripts/stress.ts`: simulated certbot runs (test/support/fake-certbot.ts) driving the real CLI
 * against the simulator, a monitor that watches GoDaddy's RRsets and every simulated nameserver
 * while runs are live, kill trials, and the checks every trial ends with.
 *
 * What "correct" means here (issue #3):
 * - a value whose `auth` succeeded is at GoDaddy from then until its run's cleanup for it starts
 *   (or its run dies); once the run's last `auth` (the propagation wait) succeeded, every such
 *   value is served by every authoritative server until then;
 * - foreign values are never touched;
 * - after every run is over and `reconcile` ran: each RRset holds exactly its foreign values, the
 *   ledgers parse and are empty, and the zones directory holds nothing but ledgers (no lock, no
 *   abandoned lock directory, no temp file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type Sim, type SimFault } from '../../src/sim/sim.js';
import { parseLedger } from '../../src/state/store.js';
import { PAUSE_POINTS } from '../../src/state/testpoint.js';
import { BIN, runCli, type CliResult } from './cli.js';

const FAKE_CERTBOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-certbot.js');

/** A small, fast, seedable PRNG (mulberry32): the same seed replays the same trial. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

export interface Name {
  domain: string;
  zone: string;
  record: string;
  fqdn: string;
}

const name = (domain: string, zone: string): Name => {
  const fqdn = `_acme-challenge.${domain}`;
  return { domain, zone, record: fqdn.slice(0, -(zone.length + 1)), fqdn };
};

/** Challenge names the runs share: two zones, two names each; apex names carry foreign values. */
export const NAMES: readonly Name[] = [
  name('example.test', 'example.test'),
  name('www.example.test', 'example.test'),
  name('other.test', 'other.test'),
  name('api.other.test', 'other.test'),
];
export const FOREIGN: ReadonlyMap<string, readonly string[]> = new Map([
  ['_acme-challenge.example.test', ['v=spf1 include:_spf.example.test -all', 'google-site-verification=foreign-1']],
  ['_acme-challenge.other.test', ['foreign-tool-challenge-value-0123456789abcdefghijkl']],
]);

export interface World {
  sim: Sim;
  stateDir: string;
  /** Environment of every hook: the simulator's, the state directory, fast polling. */
  env: Record<string, string>;
  /** Pause log of the test-only crash points (src/state/testpoint.ts). */
  pauseLog: string;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Extra environment for every hook (e.g. ACME_GODADDY_ZONES). */
  env?: Record<string, string>;
  apiLatencyMs?: number | [number, number];
  /** Publish delays of the two nameservers. */
  nsDelaysMs?: [number, number];
  lockTimeoutS?: number;
  /** ACME_GODADDY_POLL_INTERVAL of the hooks (default 0.05 s). Every waiting hook polls every server
   * at this rate, and the simulator answers in the harness's own process: at K=64 on 2 cores, 0.05 s
   * starves it (DNS lookups of other hooks then time out). */
  pollIntervalS?: number;
  seed?: number;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const [d1, d2] = options.nsDelaysMs ?? [40, 120];
  const sim = await startSim({
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: d1 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: d2 },
    ],
    ...(options.apiLatencyMs !== undefined ? { apiLatencyMs: options.apiLatencyMs } : {}),
    // GoDaddy's 60/min per endpoint is a different issue (#4); here it would only slow things down.
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    seed: options.seed ?? 1,
  });
  for (const [fqdn, values] of FOREIGN) {
    const n = NAMES.find((x) => x.fqdn === fqdn)!;
    sim.setTxt(n.zone, n.record, values, 3600);
  }
  // The foreign values are on every server before anything starts.
  for (let i = 0; i < 200 && ![...FOREIGN].every(([fqdn, values]) => sim.nameservers.every((ns) =>
    values.every((v) => sim.published(ns.name, fqdn).includes(v)))); i++) await sleep(20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agd-crash-'));
  const stateDir = path.join(dir, 'state');
  const pauseLog = path.join(dir, 'pauses.log');
  fs.writeFileSync(pauseLog, '');
  return {
    sim,
    stateDir,
    pauseLog,
    env: {
      ...sim.env(),
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      ACME_GODADDY_ENV_FILE: '/dev/null',
      ACME_GODADDY_STATE_DIR: stateDir,
      ACME_GODADDY_POLL_INTERVAL: String(options.pollIntervalS ?? 0.05),
      ACME_GODADDY_PROPAGATION_TIMEOUT: '30',
      ACME_GODADDY_LOCK_TIMEOUT: String(options.lockTimeoutS ?? 30),
      ACME_GODADDY_TEST_PAUSE_LOG: pauseLog,
      // Request pacing (GoDaddy's 60/min, issue #4) is off, as is the simulator's limit: here it
      // would only stretch the runs, and a killed hook would leave the pacer's lock behind.
      ACME_GODADDY_API_RATE: 'off',
      ...options.env,
    },
    close: async () => {
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HookResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The harness killed it on purpose. */
  killed?: boolean;
}

export interface HookProcess {
  pid: Promise<number>;
  done: Promise<HookResult>;
}

/** One simulated certbot process: the hooks it runs belong to its run, which ends when it dies. */
export class FakeCertbot {
  private nextId = 1;
  private readonly pending = new Map<number, { pid: (pid: number) => void; done: (r: HookResult) => void; started: number }>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as { type: string; id: number; pid?: number; code?: number | null; signal?: NodeJS.Signals | null; stdout?: string; stderr?: string };
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'spawned') p.pid(msg.pid!);
      if (msg.type === 'exit') {
        this.pending.delete(msg.id);
        p.done({ code: msg.code ?? null, signal: msg.signal ?? null, stdout: msg.stdout ?? '', stderr: msg.stderr ?? '', ms: Date.now() - p.started });
      }
    });
    child.on('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return !this.exited;
  }

  static start(): Promise<FakeCertbot> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FAKE_CERTBOT], { argv0: 'certbot', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const fake = new FakeCertbot(child);
      child.once('message', () => resolve(fake));
      child.once('error', reject);
    });
  }

  hook(args: string[], env: Record<string, string>): HookProcess {
    const id = this.nextId++;
    let pidResolve!: (pid: number) => void;
    let doneResolve!: (r: HookResult) => void;
    const pid = new Promise<number>((r) => { pidResolve = r; });
    const done = new Promise<HookResult>((r) => { doneResolve = r; });
    this.pending.set(id, { pid: pidResolve, done: doneResolve, started: Date.now() });
    this.child.send({ type: 'hook', id, bin: BIN, args, env });
    return { pid, done };
  }

  /** certbot dies (SIGKILL): no more hooks; hooks already running go on (as under real certbot). */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }

  async quit(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'quit' });
    await gone;
  }
}

/** Waits until `pid` has written `<pid> <point>` to the pause log (then it stops), or `done` settles. */
export async function waitForPause(world: World, pid: number, done: Promise<unknown>, timeoutMs = 30_000): Promise<string | undefined> {
  let finished = false;
  void done.then(() => { finished = true; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = fs.readFileSync(world.pauseLog, 'utf8').split('\n').find((l) => l.startsWith(`${pid} `));
    if (line) {
      await waitStopped(pid);
      return line.slice(String(pid).length + 1);
    }
    if (finished) return undefined;
    await sleep(3);
  }
  throw new Error(`process ${pid} neither paused nor finished within ${timeoutMs} ms`);
}

/** Until /proc says the process is stopped (SIGSTOP delivered), or gone. */
export async function waitStopped(pid: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    let state: string | undefined;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      return;
    }
    if (state === 'T' || state === 't' || state === 'Z') return;
    await sleep(2);
  }
  throw new Error(`process ${pid} did not stop`);
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A 43-character value shaped like CERTBOT_VALIDATION, unique per call. */
let serial = 0;
export function challengeValue(tag: string): string {
  serial++;
  return Buffer.from(`${tag}.${serial}.${process.pid}.${Math.random()}`).toString('base64url').padEnd(43, 'x').slice(0, 43);
}

/**
 * Watches GoDaddy and the nameservers: every value in `atApi` must be in its RRset at GoDaddy,
 * every value in `onServers` on every authoritative server, every foreign value everywhere.
 */
export class Monitor {
  readonly atApi = new Map<string, Name>();
  readonly onServers = new Map<string, Name>();
  readonly failures: string[] = [];
  checks = 0;
  readonly valuesSeen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly world: World) {}

  start(intervalMs = 20): void {
    this.timer = setInterval(() => this.check(), intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.check();
  }

  check(): void {
    const { sim } = this.world;
    for (const [value, n] of this.atApi) {
      this.checks++;
      this.valuesSeen.add(value);
      if (!sim.txt(n.zone, n.record).includes(value)) this.fail(`${n.fqdn}: value ${value.slice(0, 12)}… of a live run missing at GoDaddy`);
    }
    for (const [value, n] of this.onServers) {
      for (const ns of sim.nameservers) {
        this.checks++;
        if (!sim.published(ns.name, n.fqdn).includes(value)) this.fail(`${n.fqdn}: value ${value.slice(0, 12)}… of a live run not served by ${ns.name}`);
      }
    }
    for (const [fqdn, values] of FOREIGN) {
      const n = NAMES.find((x) => x.fqdn === fqdn)!;
      const atApi = sim.txt(n.zone, n.record);
      for (const v of values) {
        this.checks++;
        if (!atApi.includes(v)) this.fail(`${fqdn}: foreign value ${v} gone at GoDaddy`);
        for (const ns of sim.nameservers) {
          if (!sim.published(ns.name, fqdn).includes(v)) this.fail(`${fqdn}: foreign value ${v} not served by ${ns.name}`);
        }
      }
    }
  }

  private fail(message: string): void {
    if (this.failures.length < 50 && !this.failures.includes(message)) this.failures.push(message);
  }
}

export interface Challenge {
  name: Name;
  value: string;
}

/** What certbot does with a run's hooks: every auth in order, then every cleanup. */
export interface RunPlan {
  challenges: Challenge[];
  /** Extra arguments for every hook (e.g. --verbose). */
  args?: string[];
  /** Pause before the cleanups (lets other runs interleave). */
  holdMs?: number;
}

export interface RunOutcome {
  auths: HookResult[];
  cleanups: HookResult[];
  /** The run's values made it to every server (its last auth succeeded). */
  confirmed: boolean;
}

export interface Victim {
  /** Hook index in the run: 0..n-1 the auths, n..2n-1 the cleanups. */
  hook: number;
  /** Crash point (`name` or `name#n`), or undefined for a SIGKILL at a random moment. */
  point: string | undefined;
  /** For random-moment kills: how long after the hook started. */
  afterMs: number;
  /** What certbot does next: goes on (its next hooks, then every cleanup) or dies with it. */
  then: 'continue' | 'certbot-dies';
}

export interface VictimReport {
  pid: number;
  reached: boolean;
  killedAt: string;
  killedAtMs: number | undefined;
}

function hookEnv(world: World, c: Challenge, remaining: number | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...world.env,
    CERTBOT_DOMAIN: c.name.domain,
    CERTBOT_VALIDATION: c.value,
    ...(remaining === undefined ? {} : { CERTBOT_REMAINING_CHALLENGES: String(remaining) }),
    ...extra,
  };
}

/**
 * Plays one certbot run through `certbot` (a FakeCertbot), keeping the monitor's expectations in
 * step: a value joins `atApi` when its auth succeeded, the run's values join `onServers` when its
 * last auth (the propagation wait) succeeded, and leave both just before their cleanup starts or
 * when the run dies. `victim` (optional) is killed as described.
 */
export async function playRun(world: World, certbot: FakeCertbot, plan: RunPlan, monitor: Monitor,
  victim?: Victim, onKilled?: (report: VictimReport) => Promise<void>): Promise<RunOutcome & { victim?: VictimReport }> {
  const n = plan.challenges.length;
  const outcome: RunOutcome & { victim?: VictimReport } = { auths: [], cleanups: [], confirmed: false };
  const forget = (): void => {
    for (const c of plan.challenges) {
      monitor.atApi.delete(c.value);
      monitor.onServers.delete(c.value);
    }
  };
  const runHook = async (index: number, args: string[], env: Record<string, string>): Promise<HookResult | 'run-over'> => {
    if (!certbot.alive) return 'run-over';
    const isVictim = victim?.hook === index;
    const proc = certbot.hook([...args, ...(plan.args ?? [])], isVictim && victim.point ? { ...env, ACME_GODADDY_TEST_PAUSE_AT: victim.point } : env);
    if (!isVictim) return proc.done;
    const pid = await proc.pid;
    let report: VictimReport;
    if (victim.point) {
      const at = await waitForPause(world, pid, proc.done);
      report = { pid, reached: at !== undefined, killedAt: at ?? `${victim.point} (not reached: hook finished)`, killedAtMs: undefined };
    } else {
      const started = Date.now();
      await Promise.race([sleep(victim.afterMs), proc.done]);
      report = { pid, reached: true, killedAt: 'random moment', killedAtMs: Date.now() - started };
    }
    if (victim.then === 'certbot-dies') forget();
    signal(pid, 'SIGKILL');
    const result = await proc.done;
    if (victim.then === 'certbot-dies') await certbot.kill();
    outcome.victim = report;
    await onKilled?.(report);
    if (victim.then === 'certbot-dies') return 'run-over';
    return { ...result, killed: true };
  };

  for (let i = 0; i < n; i++) {
    const c = plan.challenges[i]!;
    const r = await runHook(i, ['auth'], hookEnv(world, c, n - 1 - i));
    if (r === 'run-over') return outcome;
    outcome.auths.push(r);
    if (r.code === 0) {
      monitor.atApi.set(c.value, c.name);
      monitor.check(); // every value is checked at least once, however short its life
    }
  }
  const last = outcome.auths.at(-1);
  if (last?.code === 0) {
    outcome.confirmed = true;
    // The last auth waited for every value of the run that was live (the ledger's view); those
    // whose own auth succeeded must now be on every server.
    plan.challenges.forEach((c, i) => {
      if (outcome.auths[i]?.code === 0) monitor.onServers.set(c.value, c.name);
    });
    monitor.check();
  }
  if (plan.holdMs) await sleep(plan.holdMs);
  for (let i = 0; i < n; i++) {
    const c = plan.challenges[i]!;
    monitor.atApi.delete(c.value);
    monitor.onServers.delete(c.value);
    const r = await runHook(n + i, ['cleanup'], hookEnv(world, c, n - 1 - i, { CERTBOT_AUTH_OUTPUT: '' }));
    if (r === 'run-over') return outcome;
    outcome.cleanups.push(r);
  }
  return outcome;
}

export async function cli(world: World, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { ...world.env, ...extra }, { timeoutMs: 60_000 });
}

/** Every ledger parses (returns the entries per zone); a problem is reported, not thrown. */
export function readLedgers(world: World): { entries: Map<string, number>; problems: string[] } {
  const zonesDir = path.join(world.stateDir, 'zones');
  const entries = new Map<string, number>();
  const problems: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(zonesDir);
  } catch {
    return { entries, problems };
  }
  for (const file of names.filter((f) => f.endsWith('.json'))) {
    const zone = file.slice(0, -5);
    try {
      entries.set(zone, parseLedger(fs.readFileSync(path.join(zonesDir, file), 'utf8'), path.join(zonesDir, file), zone).entries.length);
    } catch (err) {
      problems.push(`ledger ${file} does not parse: ${(err as Error).message}`);
    }
  }
  return { entries, problems };
}

/**
 * The end state once every run is over: reconcile succeeds; every RRset holds exactly its foreign
 * values at GoDaddy and (after the publish delay) on every server; ledgers parse and are empty;
 * the zones directory holds nothing but ledgers.
 */
export async function checkClean(world: World): Promise<string[]> {
  const problems: string[] = [];
  const rec = await cli(world, ['reconcile']);
  if (rec.code !== 0) problems.push(`reconcile exited ${rec.code}: ${rec.stderr.trim()}`);
  for (const n of NAMES) {
    const expected = [...(FOREIGN.get(n.fqdn) ?? [])].sort();
    const atApi = world.sim.txt(n.zone, n.record).sort();
    if (JSON.stringify(atApi) !== JSON.stringify(expected)) {
      problems.push(`${n.fqdn} at GoDaddy holds ${atApi.length} value(s), expected only the ${expected.length} foreign: ${atApi.filter((v) => !expected.includes(v)).map((v) => v.slice(0, 12)).join(', ')}`);
    }
  }
  const { entries, problems: ledgerProblems } = readLedgers(world);
  problems.push(...ledgerProblems);
  for (const [zone, count] of entries) if (count > 0) problems.push(`ledger of ${zone} still has ${count} entr${count === 1 ? 'y' : 'ies'}`);
  const zonesDir = path.join(world.stateDir, 'zones');
  const leftovers = fs.existsSync(zonesDir) ? fs.readdirSync(zonesDir).filter((f) => !f.endsWith('.json')) : [];
  if (leftovers.length > 0) {
    const describe = (f: string): string => {
      try {
        const inside = fs.readdirSync(path.join(zonesDir, f));
        return `${f}/[${inside.map((x) => { try { return `${x} ${fs.readFileSync(path.join(zonesDir, f, x), 'utf8').trim()}`; } catch { return x; } }).join(', ')}]`;
      } catch {
        return f;
      }
    };
    problems.push(`left in ${zonesDir}: ${leftovers.map(describe).join(', ')}`);
  }
  // The servers follow within their publish delay.
  const deadline = Date.now() + 3000;
  for (;;) {
    const lagging = NAMES.flatMap((n) => world.sim.nameservers.map((ns) => {
      const served = world.sim.published(ns.name, n.fqdn).sort();
      return JSON.stringify(served) === JSON.stringify([...(FOREIGN.get(n.fqdn) ?? [])].sort()) ? undefined : `${ns.name} ${n.fqdn}: ${served.length} value(s)`;
    })).filter((x): x is string => x !== undefined);
    if (lagging.length === 0) break;
    if (Date.now() > deadline) {
      problems.push(`servers still serve leftovers: ${lagging.join('; ')}`);
      break;
    }
    await sleep(50);
  }
  return problems;
}

/** Crash points a trial can pick, with the occurrences worth telling apart. */
export const KILL_POINTS: readonly string[] = [
  ...PAUSE_POINTS.filter((p) => !p.startsWith('lock:')),
  'lock:tmp-ready#1', 'lock:tmp-ready#2', 'lock:releasing#1', 'lock:releasing#2',
  'ledger:tmp-written#2', 'ledger:renamed#2',
];

export interface TrialReport {
  seed: number;
  runs: number;
  values: number;
  victim: string;
  killedAt: string;
  then: Victim['then'];
  victimPid: number | undefined;
  reached: boolean;
  /** How long `reconcile`, started right after the kill, took (it must take over any lock the victim held). */
  nextHookMs: number | undefined;
  checks: number;
  /** Distinct values the monitor checked while their runs were live. */
  valuesChecked: number;
  problems: string[];
  ms: number;
}

/**
 * One kill trial: 2-3 runs with 1-2 challenges each on shared names, all at once; one hook of one
 * run is SIGKILLed at a crash point (or a random moment); certbot goes on or dies with it. Right
 * after the kill `reconcile` must get through (any lock the victim held is taken over); the
 * monitor checks GoDaddy and the servers throughout; at the end every run is over and
 * checkClean() must find nothing.
 */
export async function killTrial(world: World, seed: number,
  options: { points?: readonly string[]; victim?: Partial<Victim> } = {}): Promise<TrialReport> {
  const started = Date.now();
  const r = rng(seed);
  const runCount = r() < 0.3 ? 3 : 2;
  const plans: RunPlan[] = Array.from({ length: runCount }, () => {
    const first = pick(r, NAMES);
    const challenges: Challenge[] = [{ name: first, value: challengeValue('k') }];
    // Often a wildcard + apex pair (two values at one name), sometimes another name.
    if (r() < 0.6) challenges.push({ name: r() < 0.6 ? first : pick(r, NAMES), value: challengeValue('k') });
    return { challenges, holdMs: Math.floor(r() * 150) };
  });
  const victimRun = Math.floor(r() * runCount);
  const hooks = plans[victimRun]!.challenges.length * 2;
  const points = options.points ?? KILL_POINTS;
  const random = r() < 0.2;
  const victim: Victim = {
    hook: Math.floor(r() * hooks),
    point: random ? undefined : pick(r, points),
    afterMs: Math.floor(r() * 900),
    then: r() < 0.5 ? 'continue' : 'certbot-dies',
  };
  if (options.victim) {
    Object.assign(victim, options.victim);
    victim.hook = Math.min(victim.hook, hooks - 1);
  }
  const monitor = new Monitor(world);
  monitor.start();
  const certbots = await Promise.all(plans.map(() => FakeCertbot.start()));
  let nextHookMs: number | undefined;
  const problems: string[] = [];
  let nextHook: Promise<void> | undefined;
  const onKilled = async (): Promise<void> => {
    const { problems: p } = readLedgers(world);
    problems.push(...p.map((x) => `right after the kill: ${x}`));
    nextHook = (async () => {
      const t0 = Date.now();
      const rec = await cli(world, ['reconcile']);
      nextHookMs = Date.now() - t0;
      if (rec.code !== 0) problems.push(`reconcile right after the kill exited ${rec.code}: ${rec.stderr.trim()}`);
    })();
  };
  let outcomes: Awaited<ReturnType<typeof playRun>>[] = [];
  try {
    outcomes = await Promise.all(plans.map((plan, i) => playRun(world, certbots[i]!, plan, monitor,
      i === victimRun ? victim : undefined, i === victimRun ? onKilled : undefined)));
    await nextHook;
  } finally {
    await monitor.stop();
    // Every run is over now (certbot exits; a run whose certbot was killed is stale).
    await Promise.all(certbots.map((c) => c.quit()));
  }
  outcomes.forEach((o, i) => {
    const failed = [...o.auths, ...o.cleanups].filter((h) => h.code !== 0 && !h.killed);
    for (const h of failed) problems.push(`run ${i}: a hook that was not killed exited ${h.code ?? h.signal}: ${h.stderr.trim().split('\n').at(-1)}`);
  });
  problems.push(...monitor.failures);
  problems.push(...await checkClean(world));
  const v = outcomes[victimRun]?.victim;
  return {
    seed,
    runs: runCount,
    values: plans.reduce((s, p) => s + p.challenges.length, 0),
    victim: `${victim.hook < hooks / 2 ? 'auth' : 'cleanup'} #${(victim.hook % (hooks / 2)) + 1} of run ${victimRun}`,
    killedAt: v ? (v.killedAtMs !== undefined ? `random moment (+${v.killedAtMs} ms)` : v.killedAt) : 'never (run ended first)',
    victimPid: v?.pid,
    then: victim.then,
    reached: v?.reached ?? false,
    nextHookMs,
    checks: monitor.checks,
    valuesChecked: monitor.valuesSeen.size,
    problems,
    ms: Date.now() - started,
  };
}

export interface ContentionOptions {
  /** Number of simulated certbot runs started at once (each runs its hooks one after another). */
  runs: number;
  seed: number;
  /** Transient API failures injected at the start (the client retries them). */
  faults?: SimFault[];
  /** Only the apex of example.test (all values at one name). */
  oneName?: boolean;
  /** Share of runs with two challenges (wildcard + apex, or two names). */
  pairs?: number;
}

export interface ContentionReport {
  runs: number;
  values: number;
  hookProcesses: number;
  authWrites: number;
  cleanupWrites: number;
  requests: number;
  /** Longest time one hook waited for a lock (ledger or writer), from its --verbose log. */
  longestLockWaitMs: number;
  longestHookMs: number;
  checks: number;
  valuesChecked: number;
  /** Requests answered by an injected fault (503, 409, dropped connection...). */
  faultsHit: number;
  failedHooks: string[];
  problems: string[];
  ms: number;
}

/**
 * K runs at once on shared names and zones, auth then cleanup, through the real CLI. Returns the
 * API writes of the auth and the cleanup phase, the longest lock wait, and every problem found.
 */
export async function contention(world: World, options: ContentionOptions): Promise<ContentionReport> {
  const started = Date.now();
  const r = rng(options.seed);
  const plans: RunPlan[] = Array.from({ length: options.runs }, () => {
    const first = options.oneName ? NAMES[0]! : pick(r, NAMES);
    const challenges: Challenge[] = [{ name: first, value: challengeValue('c') }];
    if (r() < (options.pairs ?? 0.4)) challenges.push({ name: options.oneName || r() < 0.5 ? first : pick(r, NAMES), value: challengeValue('c') });
    return { challenges, args: ['--verbose'], holdMs: Math.floor(r() * 200) };
  });
  const monitor = new Monitor(world);
  const certbots = await Promise.all(plans.map(() => FakeCertbot.start()));
  const mark = world.sim.requests.length;
  for (const f of options.faults ?? []) world.sim.injectFault(f);
  // The monitor runs in the simulator's process: at large K a 20 ms beat would starve its DNS.
  monitor.start(Math.max(20, options.runs));
  let outcomes: RunOutcome[];
  try {
    outcomes = await Promise.all(plans.map((plan, i) => playRun(world, certbots[i]!, plan, monitor)));
  } finally {
    await monitor.stop();
    await Promise.all(certbots.map((c) => c.quit()));
  }
  const hooks = outcomes.flatMap((o) => [...o.auths, ...o.cleanups]);
  const failedHooks = hooks.filter((h) => h.code !== 0).map((h) => `exit ${h.code ?? h.signal}: ${h.stderr.trim().split('\n').at(-1)}`);
  const waits = hooks.flatMap((h) => [...h.stderr.matchAll(/lock acquired after (\d+) ms|waited (\d+) ms for the writer lock/g)].map((m) => Number(m[1] ?? m[2])));
  const requests = world.sim.requests.slice(mark);
  // Writes made while auths ran vs. while cleanups ran, told apart by the body: a write that adds
  // a value of ours is an auth write.
  const values = new Set(plans.flatMap((p) => p.challenges.map((c) => c.value)));
  let authWrites = 0;
  let cleanupWrites = 0;
  const last = new Map<string, string[]>();
  for (const req of requests) {
    if (req.method !== 'PUT' && req.method !== 'DELETE') continue;
    const after = req.method === 'PUT' ? (req.body as Array<{ data: string }>).map((x) => x.data) : [];
    const before = last.get(req.path) ?? [];
    const adds = after.some((v) => values.has(v) && !before.includes(v));
    if (adds) authWrites++;
    else cleanupWrites++;
    if (req.status < 300) last.set(req.path, after);
  }
  world.sim.clearFaults(); // the final check must not meet a fault the hooks did not consume
  const problems = [...monitor.failures, ...await checkClean(world)];
  return {
    runs: options.runs,
    values: values.size,
    hookProcesses: hooks.length,
    authWrites,
    cleanupWrites,
    requests: requests.length,
    longestLockWaitMs: Math.max(0, ...waits),
    longestHookMs: Math.max(0, ...hooks.map((h) => h.ms)),
    checks: monitor.checks,
    valuesChecked: monitor.valuesSeen.size,
    faultsHit: requests.filter((q) => q.fault === true).length,
    failedHooks,
    problems,
    ms: Date.now() - started,
  };
}

export interface GroupCommitReport {
  k: number;
  /** PUTs counted in the simulator's request log while the K auths ran. */
  puts: number;
  gets: number;
  /** Every one of the K values was in GoDaddy's RRset once the K auths had returned. */
  allLive: boolean;
  /** ... and every authoritative server served all K at once (within 5 s). */
  allServed: boolean;
  failed: number;
  ms: number;
  longestHookMs: number;
  /** PUT + DELETE of the K cleanups. */
  cleanupWrites: number;
  cleanupFailed: number;
  /** Values of ours still at GoDaddy after the K cleanups. */
  leftAfterCleanup: number;
}

/** K concurrent `auth` calls on one name (separate runs, as K certbots would), then K cleanups. */
export async function groupCommit(world: World, k: number): Promise<GroupCommitReport> {
  const values = Array.from({ length: k }, () => challengeValue('g'));
  const n = NAMES[0]!;
  const mark = world.sim.requests.length;
  const started = Date.now();
  const results = await Promise.all(values.map((v, i) => cli(world, ['auth'], {
    ACME_GODADDY_RUN_ID: `gc-${i}`, CERTBOT_DOMAIN: n.domain, CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '1',
  })));
  const ms = Date.now() - started;
  const requests = world.sim.requests.slice(mark);
  const live = world.sim.txt(n.zone, n.record);
  let allServed = false;
  for (const deadline = Date.now() + 5000; !allServed && Date.now() < deadline; await sleep(20)) {
    allServed = world.sim.nameservers.every((ns) => {
      const served = world.sim.published(ns.name, n.fqdn);
      return values.every((v) => served.includes(v));
    });
  }
  const cleanupMark = world.sim.requests.length;
  const cleanups = await Promise.all(values.map((v, i) => cli(world, ['cleanup'], {
    ACME_GODADDY_RUN_ID: `gc-${i}`, CERTBOT_DOMAIN: n.domain, CERTBOT_VALIDATION: v,
  })));
  const after = world.sim.txt(n.zone, n.record);
  return {
    k,
    puts: requests.filter((q) => q.method === 'PUT').length,
    gets: requests.filter((q) => q.method === 'GET').length,
    allLive: values.every((v) => live.includes(v)),
    allServed,
    failed: results.filter((x) => x.code !== 0).length,
    ms,
    longestHookMs: Math.max(...results.map((x) => x.ms)),
    cleanupWrites: world.sim.requests.slice(cleanupMark).filter((q) => q.method === 'PUT' || q.method === 'DELETE').length,
    cleanupFailed: cleanups.filter((x) => x.code !== 0).length,
    leftAfterCleanup: values.filter((v) => after.includes(v)).length,
  };
}

/** `promise`, or a rejection after `ms` (calling `onTimeout` first, e.g. to SIGKILL a stuck hook). */
export async function within<T>(ms: number, promise: Promise<T>, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: no result within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
