/**
 * Issue #3: signals to the hook while it holds a lock, and the sweep of leftovers by later hooks.
 *
 * - SIGINT/SIGTERM/SIGHUP delivered while the hook is inside a locked step (it is stopped at a
 *   crash point, signalled, continued): it finishes or rolls back that step, releases every lock,
 *   leaves the ledger parseable and accounting for every value of ours at GoDaddy, and exits 75
 *   with exactly one line;
 * - a later auth or cleanup on a record removes the entries of runs that are over (a certbot that
 *   was killed, an entry past its expiry) from that record, without `reconcile`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  FOREIGN, FakeCertbot, NAMES, challengeValue, checkClean, readLedgers, signal, startWorld, waitForPause, within, type World,
} from '../support/crash-harness.js';

let w: World;
const certbots: FakeCertbot[] = [];
test.before(async () => {
  w = await startWorld({ seed: 43, apiLatencyMs: 5 });
});
test.after(async () => {
  await Promise.all(certbots.map((c) => c.kill()));
  await w.close();
});

const apex = NAMES[0]!;
const foreign = [...FOREIGN.get(apex.fqdn)!];
const sorted = (values: readonly string[]): string[] => [...values].sort();
const ledgerFile = (): string => path.join(w.stateDir, 'zones', `${apex.zone}.json`);

interface Entry { record: string; value: string; state: string; expiresAt: string; owner: { run: string } }
const entries = (): Entry[] => (JSON.parse(fs.readFileSync(ledgerFile(), 'utf8')) as { entries: Entry[] }).entries;

function env(value: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...w.env, CERTBOT_DOMAIN: apex.domain, CERTBOT_VALIDATION: value, CERTBOT_REMAINING_CHALLENGES: '1', ...extra };
}

async function certbot(): Promise<FakeCertbot> {
  const c = await FakeCertbot.start();
  certbots.push(c);
  return c;
}

const CASES: Array<{ sig: NodeJS.Signals; hook: 'auth' | 'cleanup'; point: string; holds: string }> = [
  { sig: 'SIGINT', hook: 'auth', point: 'intent:locked', holds: 'the ledger lock, before the intent is written' },
  { sig: 'SIGTERM', hook: 'auth', point: 'ledger:tmp-written', holds: 'the ledger lock, between temp file and rename' },
  { sig: 'SIGTERM', hook: 'auth', point: 'writer:got', holds: 'the writer lock, between GET and PUT' },
  { sig: 'SIGHUP', hook: 'auth', point: 'writer:put', holds: 'the writer lock, PUT answered, not read back' },
  { sig: 'SIGINT', hook: 'cleanup', point: 'writer:got', holds: 'the writer lock, between GET and DELETE/PUT' },
  { sig: 'SIGHUP', hook: 'cleanup', point: 'writer:put', holds: 'the writer lock, write answered, not read back' },
];

for (const c of CASES) {
  test(`${c.sig} to ${c.hook} holding ${c.holds} (${c.point}): exit 75, one line, locks released, ledger consistent`, async () => {
    const cb = await certbot();
    const value = challengeValue('sig');
    if (c.hook === 'cleanup') assert.equal((await cb.hook(['auth'], env(value)).done).code, 0);
    // `#1`: stop the first time only (the rollback may pass the same point again).
    const proc = cb.hook([c.hook], env(value, { ACME_GODADDY_TEST_PAUSE_AT: `${c.point}#1` }));
    const pid = await proc.pid;
    assert.equal(await waitForPause(w, pid, proc.done), c.point);
    signal(pid, c.sig); // pending while the process is stopped, as during a long synchronous step
    signal(pid, 'SIGCONT');
    const r = await within(30_000, proc.done, `${c.hook} after ${c.sig}`, () => signal(pid, 'SIGKILL'));
    assert.equal(r.code, 75, r.stderr);
    assert.equal(r.stderr, `acme-godaddy: interrupted by ${c.sig} (hint: the ledger is consistent; the client's cleanup, or \`acme-godaddy reconcile\` once this run is over, removes what it left behind)\n`);
    const zones = path.join(w.stateDir, 'zones');
    assert.deepEqual(fs.readdirSync(zones).filter((f) => !f.endsWith('.json')), [], 'no lock, abandoned lock directory or temp file left');
    assert.deepEqual(readLedgers(w).problems, []);
    // Every value of ours at GoDaddy is in the ledger (so cleanup or reconcile will remove it).
    const ours = w.sim.txt(apex.zone, apex.record).filter((v) => !foreign.includes(v));
    const known = entries().map((e) => e.value);
    assert.deepEqual(ours.filter((v) => !known.includes(v)), [], 'values at GoDaddy the ledger does not know');
    if (c.hook === 'auth') {
      // Rolled back: the interrupted auth's value is withdrawn (or was never recorded).
      assert.ok(entries().every((e) => e.value !== value || e.state === 'removing'), JSON.stringify(entries()));
    }
    // The next hook on the zone proceeds at once.
    const next = challengeValue('next');
    const rn = await cb.hook(['auth'], env(next)).done;
    assert.deepEqual([rn.code, rn.stderr], [0, '']);
    assert.ok(rn.ms < 10_000, `next auth took ${rn.ms} ms`);
    // certbot's cleanups; then the run is over and reconcile leaves only the foreign values.
    for (const v of c.hook === 'auth' ? [value, next] : [next]) assert.equal((await cb.hook(['cleanup'], env(v)).done).code, 0);
    await cb.quit();
    assert.deepEqual(await checkClean(w), []);
  });
}

test('a later auth, then a later cleanup, on the same record remove the entries of a killed certbot run and of an expired run, without reconcile', async () => {
  // Run Z (another client, not observable: ends by expiry) left a value; its expiry will pass.
  const expired = challengeValue('expired');
  assert.equal((await plainAuth(env(expired, { ACME_GODADDY_RUN_ID: 'client-z' }))).code, 0);
  // Run X (a certbot) is killed after its auth: certbot never runs its cleanup.
  const x = await certbot();
  const dead = challengeValue('dead');
  assert.equal((await x.hook(['auth'], env(dead)).done).code, 0);
  await x.kill();
  setExpiry(expired, '2000-01-01T00:00:00.000Z');
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted([...foreign, dead, expired]));

  // Run Y's auth on the same record writes its value and drops both leftovers in the same PUT.
  const y = await certbot();
  const live = challengeValue('live');
  const mark = w.sim.requests.length;
  assert.equal((await y.hook(['auth'], env(live)).done).code, 0);
  const puts = w.sim.requests.slice(mark).filter((q) => q.method === 'PUT');
  assert.equal(puts.length, 1);
  assert.deepEqual(sorted((puts[0]!.body as Array<{ data: string }>).map((r) => r.data)), sorted([...foreign, live]));
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted([...foreign, live]));
  assert.deepEqual(entries().map((e) => e.value), [live]);

  // Another expired leftover appears; Y's cleanup removes it together with Y's own value.
  const expired2 = challengeValue('expired');
  assert.equal((await plainAuth(env(expired2, { ACME_GODADDY_RUN_ID: 'client-w' }))).code, 0);
  setExpiry(expired2, '2000-01-01T00:00:00.000Z');
  assert.equal((await y.hook(['cleanup'], env(live)).done).code, 0);
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted(foreign));
  assert.deepEqual(entries(), []);
  await y.quit();
  assert.deepEqual(await checkClean(w), []);
});

/** An auth run directly (not under a certbot): its run is `id:<ACME_GODADDY_RUN_ID>`. */
async function plainAuth(hookEnv: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const { runCli } = await import('../support/cli.js');
  return runCli(['auth'], hookEnv, { timeoutMs: 30_000 });
}

function setExpiry(value: string, expiresAt: string): void {
  const ledger = JSON.parse(fs.readFileSync(ledgerFile(), 'utf8')) as { entries: Entry[] };
  const entry = ledger.entries.find((e) => e.value === value);
  assert.ok(entry, 'entry present');
  entry.expiresAt = expiresAt;
  fs.writeFileSync(ledgerFile(), JSON.stringify(ledger));
}
