import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/sim/rng.js';
import { Zone, findZone, recordKey, relativeName } from '../../src/sim/store.js';
import type { SimRecord } from '../../src/sim/types.js';

const txt = (name: string, data: string): SimRecord => ({ type: 'TXT', name, data, ttl: 600 });

describe('sim zone store', () => {
  it('serves the newest version committed at or before a time, and the seed before any commit', () => {
    const zone = new Zone('example.test', [txt('@', 'seed')], 1000);
    zone.commit([txt('@', 'v2')], 2000, 10_000);
    zone.commit([txt('@', 'v3')], 3000, 10_000);
    assert.deepEqual(zone.servedAt(500).records.map((r) => r.data), ['seed']);
    assert.deepEqual(zone.servedAt(1999).records.map((r) => r.data), ['seed']);
    assert.deepEqual(zone.servedAt(2000).records.map((r) => r.data), ['v2']);
    assert.deepEqual(zone.servedAt(99_999).records.map((r) => r.data), ['v3']);
    assert.equal(zone.current().seq, 3);
  });

  it('tracks since when each value has been present without a gap', () => {
    const zone = new Zone('example.test', [], 0);
    zone.commit([txt('_acme-challenge', 'A')], 100, 10_000);
    zone.commit([txt('_acme-challenge', 'A'), txt('_acme-challenge', 'B')], 200, 10_000);
    zone.commit([txt('_acme-challenge', 'B')], 300, 10_000);
    zone.commit([txt('_acme-challenge', 'A'), txt('_acme-challenge', 'B')], 400, 10_000);
    const since = zone.current().since;
    assert.equal(since.get(recordKey('TXT', '_acme-challenge', 'B')), 200);
    assert.equal(since.get(recordKey('TXT', '_ACME-challenge', 'A')), 400, 'A left at 300, so its run restarts at 400');
  });

  it('prunes versions no server can still need, keeping the one the slowest server serves', () => {
    const zone = new Zone('example.test', [txt('@', 'v1')], 0);
    for (let i = 2; i <= 50; i++) zone.commit([txt('@', `v${i}`)], i * 1000, 5_000);
    // At t=50000 with a 5000 ms horizon the oldest reachable version is the one at 45000.
    assert.deepEqual(zone.servedAt(0).records.map((r) => r.data), ['v45']);
    assert.deepEqual(zone.servedAt(45_000).records.map((r) => r.data), ['v45']);
  });

  it('returns the previous or the new RRset at random within the read lag, then only the new one', () => {
    const zone = new Zone('example.test', [txt('@', 'spf'), txt('_acme-challenge', 'old')], 0);
    zone.commit([txt('@', 'spf'), txt('_acme-challenge', 'new')], 1000, 10_000);
    const rng = createRng(7);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const view = zone.readView(1500, 1000, rng);
      seen.add(view.filter((r) => r.name === '_acme-challenge').map((r) => r.data).join(','));
      assert.ok(view.some((r) => r.data === 'spf'), 'untouched RRsets are never lagged');
    }
    assert.deepEqual([...seen].sort(), ['new', 'old']);
    assert.deepEqual(zone.readView(2000, 1000, rng).map((r) => r.data).sort(), ['new', 'spf']);
  });

  it('finds the longest enclosing zone and the relative name', () => {
    const zones = ['test', 'example.test', 'sub.example.test'];
    assert.equal(findZone(zones, '_acme-challenge.www.example.test.', (z) => z), 'example.test');
    assert.equal(findZone(zones, 'A.Sub.Example.Test', (z) => z), 'sub.example.test');
    assert.equal(findZone(zones, 'example.org', (z) => z), undefined);
    assert.equal(relativeName('Example.Test.', 'example.test'), '@');
    assert.equal(relativeName('_acme-challenge.www.example.test', 'example.test'), '_acme-challenge.www');
  });
});
