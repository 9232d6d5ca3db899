// Issue #3, group commit (CI subset, and the benchmark target of the issue): K=32 concurrent `auth`
// calls on one name (32 runs, as 32 certbots would make), GoDaddy API latency 20 ms: all 32 values
// live at once after at most 8 PUTs, counted in the simulator's request log. Then 32 cleanups.
import test from 'node:test';
import assert from 'node:assert/strict';
import { groupCommit, startWorld, FOREIGN, NAMES } from '../support/crash-harness.js';

test('K=32 concurrent auths on one name, 20 ms API latency: all 32 live at once (GoDaddy and every nameserver) with at most 8 PUTs; 32 cleanups leave only the foreign values', async (t) => {
  const world = await startWorld({ seed: 3232, apiLatencyMs: 20 });
  try {
    const r = await groupCommit(world, 32);
    t.diagnostic(`K=32 on one name: ${r.puts} PUTs, ${r.gets} GETs for 32 auths (${r.ms} ms, longest hook ${r.longestHookMs} ms); cleanups: ${r.cleanupWrites} writes`);
    assert.equal(r.failed, 0);
    assert.equal(r.allLive, true, 'all 32 values in the RRset at GoDaddy at once');
    assert.equal(r.allServed, true, 'all 32 values served by every authoritative server at once');
    assert.ok(r.puts >= 1 && r.puts <= 8, `${r.puts} PUTs for 32 values (target: at most 8)`);
    assert.equal(r.cleanupFailed, 0);
    assert.equal(r.leftAfterCleanup, 0);
    assert.ok(r.cleanupWrites < 16, `${r.cleanupWrites} writes for 32 cleanups`);
    const apex = NAMES[0]!;
    assert.deepEqual(world.sim.txt(apex.zone, apex.record).sort(), [...FOREIGN.get(apex.fqdn)!].sort());
  } finally {
    await world.close();
  }
});
