/**
 * Shared by the stress-*.test.ts files (issue #3, scale under contention; `npm run stress` runs the
 * full set, up to K=64). Not a test file itself.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { SimFault } from '../../src/sim/sim.js';
import { contention, startWorld, type ContentionReport } from '../support/crash-harness.js';

/** Transient failures the client must ride out: 503, 409 (busy), dropped connections, on every method. */
export function transientFaults(which: 'all' | 'one-each' = 'all'): SimFault[] {
  const all: SimFault[] = [
    { method: 'PUT', path: /\/records\/TXT\//, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'try later' } },
    { method: 'GET', path: /\/records\/TXT\//, drop: true },
    { method: 'PUT', path: /\/records\/TXT\//, status: 409, body: { code: 'CONFLICT', message: 'another change is in progress' } },
    { method: 'DELETE', path: /\/records\/TXT\//, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'try later' } },
    { method: 'PUT', path: /\/records\/TXT\//, drop: true },
    { method: 'GET', path: /\/records\/TXT\//, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'try later' } },
  ];
  // One per method: no single request meets two in a row (each retry backs off 1 s, then 2, 4 ...,
  // holding the writer lock; `all` chains up to three on one PUT).
  return which === 'all' ? all : [all[0]!, all[1]!, all[3]!];
}

export function describeContention(r: ContentionReport): string {
  const writes = r.authWrites + r.cleanupWrites;
  return `K=${r.runs}: ${r.values} values, ${r.hookProcesses} hook processes, ${r.authWrites} auth + ${r.cleanupWrites} cleanup writes `
    + `(${(writes / r.values).toFixed(2)} per value), ${r.requests} requests, ${r.faultsHit} faults injected, `
    + `${r.valuesChecked} values checked ${r.checks} times, longest lock wait ${r.longestLockWaitMs} ms, longest hook ${r.longestHookMs} ms, ${r.ms} ms`;
}

/**
 * K simulated certbot runs at once over 4 names in 2 zones (a share `pairs` of them with two challenges), auth then cleanup, API latency 5-40 ms,
 * the transient faults above; asserts that every hook succeeded, the monitor saw every value of a
 * live run at GoDaddy and on every nameserver and every foreign value untouched, and the end
 * state is clean. Returns the report for further checks.
 */
export async function contentionTest(t: TestContext, k: number, seed: number,
  options: { pairs?: number; faults?: 'all' | 'one-each' } = {}): Promise<ContentionReport> {
  const world = await startWorld({ seed, apiLatencyMs: [5, 40] });
  try {
    const faults = transientFaults(options.faults);
    const r = await contention(world, { runs: k, seed, faults, ...(options.pairs === undefined ? {} : { pairs: options.pairs }) });
    t.diagnostic(describeContention(r));
    assert.deepEqual(r.failedHooks, [], describeContention(r));
    assert.deepEqual(r.problems, [], describeContention(r));
    assert.equal(r.faultsHit, faults.length, 'every injected fault was met (and ridden out)');
    assert.equal(r.hookProcesses, 2 * r.values, 'one auth and one cleanup per value');
    // The monitor watched every value while its run was live, not a lucky few.
    assert.equal(r.valuesChecked, r.values);
    assert.ok(r.checks >= r.values * 3, `${r.checks} checks`);
    // Group commit: fewer writes than one per hook (auth and cleanup each write at most once per value).
    assert.ok(r.authWrites + r.cleanupWrites < 2 * r.values, describeContention(r));
    return r;
  } finally {
    await world.close();
  }
}
