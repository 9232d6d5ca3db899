// One benchmark world: a simulator with five zones, a private state directory, and a way to call
// a hook of any strategy (acme-godaddy itself or a baseline) as a child process.

import { startSim, type Sim, type SimOptions } from '../../src/sim/sim.js';
import { BASELINE_HOOK, BIN, runProcess, type ProcResult } from './proc.js';
import { makeTempDir, removeTempDir, sleep } from './util.js';

export type Strategy = 'us' | 'naive' | 'careful' | 'fixed';
/** The strategies of the cold start and contention sections ((c)'s write path is (b)'s). */
export const STRATEGIES: readonly Strategy[] = ['us', 'naive', 'careful'];
/** Seconds baseline (c) sleeps once per run (30; the --quick smoke run shortens it). */
export let FIXED_SLEEP_S = 30;
export function setFixedSleepS(seconds: number): void {
  FIXED_SLEEP_S = seconds;
}

/** Five GoDaddy zones (apex + wildcard of each = the 10-name certificate). */
export const ZONES = ['example.test', 'other.test', 'zone3.test', 'zone4.test', 'zone5.test'] as const;

export interface WorldOptions {
  /** Publish delay of the slowest nameserver (ns2); ns1 publishes after 0.6 of it. */
  publishDelayMs?: number;
  apiLatencyMs?: number;
  /** ACME_GODADDY_POLL_INTERVAL in seconds (acme-godaddy only). */
  pollIntervalS?: number;
  signal: AbortSignal;
}

export interface World {
  sim: Sim;
  stateDir: string;
  /** The full environment of one hook process. */
  env(certbot: Record<string, string>, extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Runs one hook; `certbot` holds the CERTBOT_* variables (and ACME_GODADDY_RUN_ID). */
  hook(strategy: Strategy, command: 'auth' | 'cleanup', certbot: Record<string, string>, extra?: Record<string, string>): Promise<ProcResult>;
  setPublishDelay(ms: number): void;
  /** Waits until every nameserver serves `value` at `fqdn`; returns the last publish time (epoch ms). */
  lastPublish(fqdn: string, value: string, boundMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Requests the simulator answers per (key, route) and minute: high, so the strategies are measured, not GoDaddy's 60/min. */
const RATE_LIMIT = { limit: 1_000_000, windowMs: 60_000 };

export async function openWorld(options: WorldOptions): Promise<World> {
  const delay = options.publishDelayMs ?? 0;
  const sim = await startSim({
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: Math.round(delay * 0.6) },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: delay },
    ],
    domains: ZONES.map((domain) => ({ domain })),
    apiLatencyMs: options.apiLatencyMs ?? 0,
    rateLimit: RATE_LIMIT,
  } satisfies SimOptions);
  const stateDir = makeTempDir('state');
  const base: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    // The simulated GoDaddy nameservers are ns1/ns2.domaincontrol.test: tell the delegation check
    // (when the CLI has one) that they are GoDaddy's. sim.env() wins if it ever sets this itself.
    ACME_GODADDY_NS_SUFFIXES: 'domaincontrol.test',
    ...sim.env(),
    ACME_GODADDY_STATE_DIR: stateDir,
    ACME_GODADDY_ENV_FILE: '/dev/null',
    ACME_GODADDY_POLL_INTERVAL: String(options.pollIntervalS ?? 2),
    ACME_GODADDY_PROPAGATION_TIMEOUT: '120',
    // The hooks' own request budget (GoDaddy's 60 per minute per endpoint, shared by every hook
    // through the state directory) would make K = 64 hooks sleep a minute: raise it the way the
    // simulator's limit is raised, so the pacing code still runs on every request but never waits.
    ACME_GODADDY_API_RATE: '100000/60',
    BENCH_BASELINE_TIMEOUT_S: '120',
    BENCH_FIXED_SLEEP_S: String(FIXED_SLEEP_S),
  };
  let closed = false;
  const world: World = {
    sim,
    stateDir,
    env: (certbot, extra = {}) => ({ ...base, ...certbot, ...extra }),
    hook(strategy, command, certbot, extra = {}) {
      const env = { ...base, ...certbot, ...extra };
      const [cmd, args] = strategy === 'us'
        ? [process.execPath, [BIN, command]]
        : [process.execPath, [BASELINE_HOOK, strategy, command]];
      return runProcess(cmd, args, env, { timeoutMs: 150_000, signal: options.signal });
    },
    setPublishDelay(ms) {
      sim.setNameserverDelay(0, Math.round(ms * 0.6));
      sim.setNameserverDelay(1, ms);
    },
    async lastPublish(fqdn, value, boundMs) {
      const until = Date.now() + boundMs;
      for (;;) {
        const times = sim.nameservers.map((ns) => sim.publishedAt(ns.name, fqdn, value));
        if (times.every((t) => t !== undefined)) return Math.max(...(times as number[]));
        if (Date.now() > until) return NaN;
        await sleep(20, options.signal);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      openWorlds.delete(world);
      await sim.close();
      removeTempDir(stateDir);
    },
  };
  openWorlds.add(world);
  return world;
}

const openWorlds = new Set<World>();

/** Closes every world still open (simulator sockets, state directories): used on abort and at exit. */
export async function closeAllWorlds(): Promise<void> {
  await Promise.all([...openWorlds].map((w) => w.close().catch(() => undefined)));
}

/** Opens a world, runs `fn`, and always closes it. */
export async function withWorld<T>(options: WorldOptions, fn: (world: World) => Promise<T>): Promise<T> {
  const world = await openWorld(options);
  try {
    return await fn(world);
  } finally {
    await world.close();
  }
}

/** certbot's environment for one challenge. */
export function certbotEnv(run: string, domain: string, value: string, remaining: number | undefined, allDomains?: string): Record<string, string> {
  return {
    ACME_GODADDY_RUN_ID: run,
    CERTBOT_DOMAIN: domain,
    CERTBOT_VALIDATION: value,
    ...(remaining === undefined ? {} : { CERTBOT_REMAINING_CHALLENGES: String(remaining) }),
    ...(allDomains ? { CERTBOT_ALL_DOMAINS: allDomains } : {}),
  };
}

/** `_acme-challenge.<domain>` → (zone, relative record) in the simulator's zones. */
export function recordOf(domain: string): { zone: string; record: string; fqdn: string } {
  const d = domain.replace(/^\*\./, '');
  const zone = ZONES.find((z) => d === z || d.endsWith(`.${z}`));
  if (!zone) throw new Error(`bench: ${domain} is not in a simulated zone`);
  const sub = d === zone ? '' : d.slice(0, -(zone.length + 1));
  return { zone, record: sub ? `_acme-challenge.${sub}` : '_acme-challenge', fqdn: `_acme-challenge.${d}` };
}
