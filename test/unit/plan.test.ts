import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planRecord, settle, verifyPlan } from '../../src/domain/plan.js';
import { emptyLedger, intendAdd, intendRemove, type Ledger, type LedgerEntry, type Owner } from '../../src/domain/ledger.js';

const NOW = new Date('2026-12-03T10:00:00Z');
const runA: Owner = { run: 'certbot:1:1', host: 'h', pid: 1, start: '1' };
const runB: Owner = { run: 'certbot:2:2', host: 'h', pid: 2, start: '2' };
const never = (): boolean => false;
const HOUR = 3600_000;

function add(l: Ledger, value: string, owner = runA, record = '_acme-challenge'): Ledger {
  return intendAdd(l, { record, value, domain: 'example.com', owner }, NOW, HOUR);
}

test('first value on an empty name is a PUT of one record with our TTL', () => {
  const l = add(emptyLedger('example.com'), 'V1');
  const plan = planRecord('_acme-challenge', l.entries, [], never, 600);
  assert.deepEqual(plan.write, { kind: 'put', records: [{ data: 'V1', ttl: 600 }] });
});

test('second value keeps the first and every foreign value with its own TTL', () => {
  let l = add(emptyLedger('example.com'), 'V1');
  l = add(l, 'V2');
  const current = [{ data: 'v=spf1 -all', ttl: 3600 }, { data: 'V1', ttl: 600 }];
  const plan = planRecord('_acme-challenge', l.entries, current, never, 600);
  assert.deepEqual(plan.write, {
    kind: 'put',
    records: [{ data: 'v=spf1 -all', ttl: 3600 }, { data: 'V1', ttl: 600 }, { data: 'V2', ttl: 600 }],
  });
  assert.deepEqual(plan.foreign, ['v=spf1 -all']);
});

test('nothing to do when the RRset already holds every wanted value (group commit)', () => {
  const l = add(add(emptyLedger('example.com'), 'V1'), 'V2');
  const plan = planRecord('_acme-challenge', l.entries, [{ data: 'V2', ttl: 600 }, { data: 'V1', ttl: 600 }], never, 600);
  assert.deepEqual(plan.write, { kind: 'none' });
});

test('removing the last value DELETEs, never PUTs an empty list', () => {
  let l = add(emptyLedger('example.com'), 'V1');
  l = intendRemove(l, { record: '_acme-challenge', value: 'V1', domain: 'example.com', owner: runA }, NOW);
  const plan = planRecord('_acme-challenge', l.entries, [{ data: 'V1', ttl: 600 }], never, 600);
  assert.deepEqual(plan.write, { kind: 'delete' });
});

test('removing one value keeps the other run and the foreign value', () => {
  let l = add(emptyLedger('example.com'), 'V1', runA);
  l = add(l, 'V2', runB);
  l = intendRemove(l, { record: '_acme-challenge', value: 'V1', domain: 'example.com', owner: runA }, NOW);
  const current = [{ data: 'V1', ttl: 600 }, { data: 'V2', ttl: 600 }, { data: 'foreign', ttl: 1800 }];
  const plan = planRecord('_acme-challenge', l.entries, current, never, 600);
  assert.deepEqual(plan.write, { kind: 'put', records: [{ data: 'foreign', ttl: 1800 }, { data: 'V2', ttl: 600 }] });
  const after = settle(l, plan, NOW);
  assert.deepEqual(after.entries.map((e) => [e.value, e.state]), [['V2', 'live']]);
});

test('stale values are swept by any write to the record; blank placeholders are not re-sent', () => {
  let l = add(emptyLedger('example.com'), 'OLD', runB);
  l = add(l, 'NEW', runA);
  const stale = (e: LedgerEntry): boolean => e.owner.run === runB.run;
  const current = [{ data: '', ttl: 600 }, { data: 'OLD', ttl: 600 }];
  const plan = planRecord('_acme-challenge', l.entries, current, stale, 600);
  assert.deepEqual(plan.write, { kind: 'put', records: [{ data: 'NEW', ttl: 600 }] });
  assert.equal(plan.placeholders, 1);
  assert.deepEqual(plan.drop, ['OLD']);
});

test('foreign TTLs outside GoDaddy limits are clamped so the write is accepted', () => {
  const l = add(emptyLedger('example.com'), 'V1');
  const plan = planRecord('_acme-challenge', l.entries, [{ data: 'legacy', ttl: 300 }, { data: 'huge', ttl: 9e6 }], never, 600);
  assert.deepEqual(plan.write, { kind: 'put', records: [{ data: 'legacy', ttl: 600 }, { data: 'huge', ttl: 604800 }, { data: 'V1', ttl: 600 }] });
});

test('verifyPlan reports missing, lingering and lost foreign values', () => {
  let l = add(emptyLedger('example.com'), 'V1');
  l = add(l, 'GONE');
  l = intendRemove(l, { record: '_acme-challenge', value: 'GONE', domain: 'example.com', owner: runA }, NOW);
  const plan = planRecord('_acme-challenge', l.entries, [{ data: 'F', ttl: 600 }, { data: 'GONE', ttl: 600 }], never, 600);
  assert.equal(verifyPlan(plan, [{ data: 'F', ttl: 600 }, { data: 'V1', ttl: 600 }]), undefined);
  assert.equal(verifyPlan(plan, [{ data: 'GONE', ttl: 600 }]),
    'missing 1 value(s) we wrote, still holds 1 value(s) we removed, lost 1 value(s) we did not own');
});

test('an entry added after the plan was made survives settle', () => {
  const l = add(emptyLedger('example.com'), 'V1');
  const plan = planRecord('_acme-challenge', l.entries, [], never, 600);
  const later = add(l, 'V2', runB);
  const after = settle(later, plan, NOW);
  assert.deepEqual(after.entries.map((e) => [e.value, e.state]), [['V1', 'live'], ['V2', 'adding']]);
});

/**
 * Model check: any sequence of add/remove/crash/reconcile events, applied through plan + settle
 * against a simulated RRset, ends (after a final reconcile) with RRset = foreign ∪ values of runs
 * still alive that were added and not removed.
 */
test('property: after reconcile the RRset is foreign values plus live runs\' values', () => {
  const event = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), run: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 5 }), crashAfterIntent: fc.boolean() }),
    fc.record({ kind: fc.constant('remove' as const), run: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 5 }), crashAfterIntent: fc.boolean() }),
    fc.record({ kind: fc.constant('die' as const), run: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('reconcile' as const) }),
  );
  fc.assert(fc.property(fc.array(event, { maxLength: 40 }), fc.subarray(['SPF', 'VERIFY']), (events, foreign) => {
    const owners = [0, 1, 2, 3].map((i): Owner => ({ run: `r${i}`, host: 'h', pid: i + 10, start: '1' }));
    const dead = new Set<string>();
    const stale = (e: LedgerEntry): boolean => dead.has(e.owner.run);
    let rrset = foreign.map((data) => ({ data, ttl: 3600 }));
    let ledger = emptyLedger('z.test');
    const expected = new Map<string, Set<string>>(); // run -> values it still wants
    const sync = (): void => {
      const plan = planRecord('_acme-challenge', ledger.entries, rrset, stale, 600);
      if (plan.write.kind === 'put') rrset = plan.write.records;
      if (plan.write.kind === 'delete') rrset = [];
      ledger = settle(ledger, plan, NOW);
    };
    for (const e of events) {
      if (e.kind === 'die') {
        dead.add(`r${e.run}`);
        continue;
      }
      if (e.kind === 'reconcile') {
        sync();
        continue;
      }
      const owner = owners[e.run]!;
      if (dead.has(owner.run)) continue; // a dead run calls no more hooks
      const value = `${owner.run}-v${e.v}`;
      const key = { record: '_acme-challenge', value, domain: 'z.test', owner };
      const wants = expected.get(owner.run) ?? new Set<string>();
      if (e.kind === 'add') {
        ledger = intendAdd(ledger, key, NOW, HOUR);
        wants.add(value);
      } else {
        ledger = intendRemove(ledger, key, NOW);
        wants.delete(value);
      }
      expected.set(owner.run, wants);
      if (e.crashAfterIntent) {
        dead.add(owner.run); // crashed between the intent and the API write
        continue;
      }
      sync();
    }
    sync(); // the final reconcile
    const live = [...expected].filter(([run]) => !dead.has(run)).flatMap(([, values]) => [...values]);
    assert.deepEqual(new Set(rrset.map((r) => r.data)), new Set([...foreign, ...live]));
    assert.equal(rrset.length, new Set(rrset.map((r) => r.data)).size, 'no duplicate values');
  }), { numRuns: 500, seed: 20261203 });
});

test('an empty RRset (a zone GoDaddy does not know) with only values to remove: no write, keep nothing, settle forgets exactly those entries', () => {
  let l = add(emptyLedger('example.com'), 'GONE');
  l = intendRemove(l, { record: '_acme-challenge', value: 'GONE', domain: 'example.com', owner: runA }, NOW);
  l = add(l, 'STALE', runB);
  l = add(l, 'OTHER-NAME', runA, '_acme-challenge.www');
  const stale = (e: LedgerEntry): boolean => e.owner.run === runB.run;
  const plan = planRecord('_acme-challenge', l.entries, [], stale, 600);
  assert.deepEqual([plan.write, plan.keep, plan.drop], [{ kind: 'none' }, [], ['GONE', 'STALE']]);
  assert.deepEqual(settle(l, plan, NOW).entries.map((e) => e.value), ['OTHER-NAME']);
  // A value wanted live there is kept in the plan: the caller must fail rather than forget it.
  assert.deepEqual(planRecord('_acme-challenge', add(l, 'WANTED').entries, [], stale, 600).keep, ['WANTED']);
});
