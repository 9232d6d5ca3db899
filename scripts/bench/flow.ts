// The certificate flow: one certbot run for apex + wildcard of each zone, hooks called exactly as
// certbot calls them: every auth in turn with CERTBOT_REMAINING_CHALLENGES counting down to 0,
// then (the CA validates) every cleanup in turn. Figure: total time spent in hooks, auths alone
// (what delays the CA's check) and auths + cleanups.

import type { Sim } from '../../src/sim/sim.js';
import { median, progress, token } from './util.js';
import { ZONES, certbotEnv, recordOf, withWorld, type Strategy } from './world.js';

export interface FlowRun {
  authMs: number;
  cleanupMs: number;
  totalMs: number;
  /** Per auth hook, in order. */
  authHookMs: number[];
  requests: number;
  writes: number;
  /** Every value on every authoritative server when the last auth returned (the CA may check now). */
  allServedAtLastAuth: boolean;
  /** Values still at GoDaddy after the cleanups. */
  leftBehind: number;
  failedHooks: number;
  stderr: string[];
  /** API answers >= 400 the simulator logged (method, path, status, authenticated key). */
  apiErrors: string[];
}

export interface FlowCell {
  strategy: Strategy;
  /** ACME_GODADDY_POLL_INTERVAL (acme-godaddy only; the baselines' intervals are fixed). */
  pollIntervalS: number;
  zones: number;
  names: number;
  delayMs: number;
  runs: FlowRun[];
  authMs: number;
  /** The last auth alone (remaining 0: acme-godaddy's one wait for the run). */
  lastAuthMs: number;
  totalMs: number;
  requests: number;
  writes: number;
  allServed: boolean;
  leftBehind: number;
  failedHooks: number;
}

export interface FlowOptions {
  strategy: Strategy;
  zones: number;
  delayMs: number;
  reps: number;
  apiLatencyMs: number;
  pollIntervalS: number;
  signal: AbortSignal;
}

export async function flow(o: FlowOptions): Promise<FlowCell> {
  const runs: FlowRun[] = [];
  for (let rep = 0; rep < o.reps && !o.signal.aborted; rep++) {
    runs.push(await withWorld({ apiLatencyMs: o.apiLatencyMs, publishDelayMs: o.delayMs, pollIntervalS: o.pollIntervalS, signal: o.signal },
      (w) => oneFlow(w.sim, w.hook.bind(w), o, rep)));
  }
  const cell: FlowCell = {
    strategy: o.strategy,
    pollIntervalS: o.pollIntervalS,
    zones: o.zones,
    names: o.zones * 2,
    delayMs: o.delayMs,
    runs,
    authMs: median(runs.map((r) => r.authMs)),
    lastAuthMs: median(runs.map((r) => r.authHookMs[r.authHookMs.length - 1] ?? NaN)),
    totalMs: median(runs.map((r) => r.totalMs)),
    requests: median(runs.map((r) => r.requests)),
    writes: median(runs.map((r) => r.writes)),
    allServed: runs.every((r) => r.allServedAtLastAuth),
    leftBehind: Math.max(0, ...runs.map((r) => r.leftBehind)),
    failedHooks: Math.max(0, ...runs.map((r) => r.failedHooks)),
  };
  progress(`flow: ${o.strategy}${o.strategy === 'us' ? ` (poll ${o.pollIntervalS} s)` : ''} ${cell.names} names D=${o.delayMs / 1000} s: hooks ${(cell.totalMs / 1000).toFixed(2)} s (auths ${(cell.authMs / 1000).toFixed(2)} s)`);
  return cell;
}

type Hook = (strategy: Strategy, command: 'auth' | 'cleanup', certbot: Record<string, string>) => Promise<{ ms: number; code: number; stderr: string }>;

async function oneFlow(sim: Sim, hook: Hook, o: FlowOptions, rep: number): Promise<FlowRun> {
  // certbot -d zone -d *.zone for each zone; CERTBOT_DOMAIN carries the name without "*.".
  const names = ZONES.slice(0, o.zones).flatMap((z) => [z, `*.${z}`]);
  const all = names.join(',');
  const challenges = names.map((n) => ({ domain: n.replace(/^\*\./, ''), value: token(`flow-${n}`) }));
  const run = `flow-${o.strategy}-${rep}`;
  const stderr: string[] = [];
  let failed = 0;
  const authHookMs: number[] = [];
  for (const [i, c] of challenges.entries()) {
    const r = await hook(o.strategy, 'auth', certbotEnv(run, c.domain, c.value, challenges.length - 1 - i, all));
    authHookMs.push(r.ms);
    if (r.code !== 0) {
      failed++;
      stderr.push(r.stderr.trim());
    }
  }
  const allServed = challenges.every((c) => sim.nameservers.every((ns) => sim.published(ns.name, recordOf(c.domain).fqdn).includes(c.value)));
  const cleanupMs: number[] = [];
  for (const [i, c] of challenges.entries()) {
    const r = await hook(o.strategy, 'cleanup', { ...certbotEnv(run, c.domain, c.value, challenges.length - 1 - i, all), CERTBOT_AUTH_OUTPUT: '' });
    cleanupMs.push(r.ms);
    if (r.code !== 0) {
      failed++;
      stderr.push(r.stderr.trim());
    }
  }
  const leftBehind = challenges.filter((c) => {
    const { zone, record } = recordOf(c.domain);
    return sim.txt(zone, record).includes(c.value);
  }).length;
  const authMs = authHookMs.reduce((a, b) => a + b, 0);
  const cleanupTotal = cleanupMs.reduce((a, b) => a + b, 0);
  return {
    authMs,
    cleanupMs: cleanupTotal,
    totalMs: authMs + cleanupTotal,
    authHookMs,
    requests: sim.requests.length,
    writes: sim.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE').length,
    allServedAtLastAuth: allServed,
    leftBehind,
    failedHooks: failed,
    stderr: [...new Set(stderr)].slice(0, 5),
    apiErrors: sim.requests.filter((r) => r.status >= 400 || r.status === 0)
      .map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status} key=${r.key ?? '-'}`).slice(0, 20),
  };
}
