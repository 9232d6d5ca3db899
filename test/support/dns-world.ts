/**
 * A simulator world for the DNS tests (test/integration/dns-*.test.ts): the GoDaddy API, a
 * resolver and authoritative servers that publish after their own delays, a private state dir, and
 * the CLI's environment pointed at all of it. Plus readers for the simulator's DNS query log.
 */
import path from 'node:path';
import type test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSim, type Sim, type SimDnsQuery, type SimOptions } from '../../src/sim/sim.js';
import { tmpDir } from './cli.js';

export interface DnsWorld {
  sim: Sim;
  env: Record<string, string>;
  stateDir: string;
}

export const TXT = 16;

/** Default: ns1 @127.0.0.2 publishing after 150 ms, ns2 @127.0.0.3 after 400 ms; polls every 0.1 s. */
export async function dnsWorld(t: test.TestContext, opts: SimOptions = {}): Promise<DnsWorld> {
  const sim = await startSim({
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 150 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 400 },
    ],
    ...opts,
  });
  t.after(() => sim.close());
  const stateDir = path.join(tmpDir(t, 'agd-dns-'), 'state');
  return {
    sim,
    stateDir,
    env: {
      ...sim.env(),
      ACME_GODADDY_STATE_DIR: stateDir,
      ACME_GODADDY_POLL_INTERVAL: '0.1',
      ACME_GODADDY_PROPAGATION_TIMEOUT: '20',
    },
  };
}

/** The authoritative (not resolver) TXT queries for `name` logged from index `from` on. */
export function txtQueries(sim: Sim, name: string, from = 0): SimDnsQuery[] {
  return sim.dnsQueries.slice(from).filter((q) => q.server !== 'resolver' && q.type === TXT && q.name.toLowerCase() === name);
}

/** `address name` of every authoritative TXT query logged from `from` on, deduplicated and sorted. */
export function askedPairs(sim: Sim, from = 0): string[] {
  return [...new Set(sim.dnsQueries.slice(from).filter((q) => q.server !== 'resolver' && q.type === TXT)
    .map((q) => `${q.address} ${q.name.toLowerCase()}`))].sort();
}

/** Waits until every simulated GoDaddy nameserver publishes the current zone (the slowest delay, plus a margin). */
export async function published(sim: Sim): Promise<void> {
  await sleep(Math.max(...sim.nameservers.map((ns) => ns.delayMs)) + 100);
}

/** The API requests from index `from` on, as `METHOD path status` with the path decoded. */
export function requestsFrom(sim: Sim, from = 0): string[] {
  return sim.requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`);
}
