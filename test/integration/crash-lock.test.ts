/**
 * Issue #3: the zone locks under kills and stops, through the real CLI run by simulated certbots
 * (test/support/fake-certbot.ts) against the simulator.
 *
 * - a SIGKILL at each step of taking over a dead holder's lock (lock:judged-dead, lock:reaped):
 *   the next hook still gets the lock at once;
 * - a holder that is alive but stopped (SIGSTOP) beyond the lock timeout: on this host a live
 *   holder is never taken over, so the waiter gives up (exit 75) naming the lock file and the
 *   holder, nobody writes while the holder is stopped, and the holder, continued, finishes;
 * - a holder that *can* lose its lock (one that cannot be observed from here, as on another host:
 *   taken over once its heartbeat is older than the stale time) must notice after SIGCONT and
 *   not write.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FOREIGN, FakeCertbot, NAMES, challengeValue, checkClean, readLedgers, signal, startWorld, waitForPause, within, type World,
} from '../support/crash-harness.js';

let w: World;
const certbots: FakeCertbot[] = [];
test.before(async () => {
  w = await startWorld({ seed: 42, apiLatencyMs: 5 });
});
test.after(async () => {
  await Promise.all(certbots.map((c) => c.kill()));
  await w.close();
});

const apex = NAMES[0]!; // _acme-challenge.example.test, which holds foreign values
const foreign = [...FOREIGN.get(apex.fqdn)!];
const zonesDir = (): string => path.join(w.stateDir, 'zones');
const writerLock = (): string => path.join(zonesDir(), `${apex.zone}.json.writer.lock`);
const sorted = (values: readonly string[]): string[] => [...values].sort();

function env(value: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...w.env, CERTBOT_DOMAIN: apex.domain, CERTBOT_VALIDATION: value, CERTBOT_REMAINING_CHALLENGES: '1', ...extra };
}

async function certbot(): Promise<FakeCertbot> {
  const c = await FakeCertbot.start();
  certbots.push(c);
  return c;
}

/** An auth under its own certbot, stopped at `point` (asserted reached). */
async function pausedAuth(point: string, extra: Record<string, string> = {}) {
  const cb = await certbot();
  const value = challengeValue('lock');
  const proc = cb.hook(['auth'], env(value, { ACME_GODADDY_TEST_PAUSE_AT: `${point}#1`, ...extra }));
  const pid = await proc.pid;
  assert.equal(await waitForPause(w, pid, proc.done), point, `the hook reached ${point}`);
  return { cb, value, pid, done: within(30_000, proc.done, `hook stopped at ${point}`, () => signal(pid, 'SIGKILL')) };
}

const writesSince = (mark: number): string[] => w.sim.requests.slice(mark)
  .filter((r) => r.method === 'PUT' || r.method === 'DELETE').map((r) => `${r.method} ${r.path}`);

test('SIGKILL at every step of a takeover: holder killed, then the waiter that judged it dead, then the one that reaped it; the next hook gets the lock at once', async () => {
  const a = await pausedAuth('writer:got'); // holds the writer lock, has read the RRset
  signal(a.pid, 'SIGKILL');
  await a.done;
  await a.cb.kill();
  const b = await pausedAuth('lock:judged-dead'); // found A dead, has not removed A's owner file
  signal(b.pid, 'SIGKILL');
  await b.done;
  await b.cb.kill();
  const c = await pausedAuth('lock:reaped'); // removed A's owner file, not the directory
  signal(c.pid, 'SIGKILL');
  await c.done;
  await c.cb.kill();
  assert.deepEqual(fs.readdirSync(writerLock()), [], 'the lock directory is left empty');

  const d = await certbot();
  const value = challengeValue('next');
  const r = await d.hook(['auth'], env(value)).done;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < 10_000, `the next auth took ${r.ms} ms`);
  // The dead runs' intents were never written (A died before its PUT) and are stale now.
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted([...foreign, value]));
  // Abandoned lock directories of B and C were swept when D took the locks.
  assert.deepEqual(fs.readdirSync(zonesDir()).filter((f) => !f.endsWith('.json')), []);
  assert.equal((await d.hook(['cleanup'], env(value)).done).code, 0);
  await d.quit();
  assert.deepEqual(await checkClean(w), []);
});

test('a live holder stopped beyond the lock timeout is never taken over: the waiter gives up (exit 75) naming the lock and the holder; nobody writes meanwhile; the holder, continued, finishes', async () => {
  const a = await pausedAuth('writer:got');
  const mark = w.sim.requests.length;
  const bcb = await certbot();
  const bValue = challengeValue('waiter');
  const b = await bcb.hook(['auth'], env(bValue, { ACME_GODADDY_LOCK_TIMEOUT: '2' })).done;
  assert.equal(b.code, 75, b.stderr);
  const lock = writerLock().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(b.stderr, new RegExp(`^acme-godaddy: gave up after 2 s waiting for lock ${lock}, held by pid ${a.pid} on ${os.hostname().replace(/\./g, '\\.')} since \\S+ \\(auth\\) \\(hint: another acme-godaddy hook is still running; raise ACME_GODADDY_LOCK_TIMEOUT or stop the stuck process\\)\\n$`));
  assert.ok(b.ms >= 2000 && b.ms < 8000, `gave up after ${b.ms} ms`);
  assert.deepEqual(writesSince(mark), [], 'nobody wrote while the holder was stopped');
  assert.deepEqual(fs.readdirSync(writerLock()).filter((f) => f.startsWith('owner-')).length, 1, 'the holder still holds the lock');

  signal(a.pid, 'SIGCONT');
  const ra = await a.done;
  assert.deepEqual([ra.code, ra.stderr], [0, '']);
  // A wrote its own value; B's (withdrawn when B gave up) was not published.
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted([...foreign, a.value]));
  const puts = w.sim.requests.slice(mark).filter((q) => q.method === 'PUT');
  assert.equal(puts.length, 1);
  assert.ok(!JSON.stringify(puts[0]!.body).includes(bValue));
  // certbot runs the cleanup hook for every challenge, failed or not.
  assert.equal((await a.cb.hook(['cleanup'], env(a.value)).done).code, 0);
  assert.equal((await bcb.hook(['cleanup'], env(bValue)).done).code, 0);
  await a.cb.quit();
  await bcb.quit();
  assert.deepEqual(await checkClean(w), []);
});

test('a holder that can lose its lock (one that cannot be observed from here, taken over after the stale time) notices after SIGCONT and does not write', async () => {
  const a = await pausedAuth('writer:got');
  // Make A look like a holder on another host whose heartbeat stopped a minute ago.
  const ownerName = fs.readdirSync(writerLock()).find((f) => f.startsWith('owner-'))!;
  const ownerFile = path.join(writerLock(), ownerName);
  const owner = JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(ownerFile, JSON.stringify({ ...owner, host: 'elsewhere.invalid' }));
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(ownerFile, old, old);

  const bcb = await certbot();
  const bValue = challengeValue('taker');
  const b = await bcb.hook(['auth'], env(bValue)).done;
  assert.deepEqual([b.code, b.stderr], [0, '']);
  assert.ok(b.ms < 10_000, `took the stale lock over in ${b.ms} ms`);
  assert.ok(w.sim.txt(apex.zone, apex.record).includes(bValue));

  const mark = w.sim.requests.length;
  signal(a.pid, 'SIGCONT');
  const ra = await a.done;
  assert.equal(ra.code, 75, ra.stderr);
  assert.match(ra.stderr, /^acme-godaddy: lock \S+example\.test\.json\.writer\.lock is no longer ours \((owner file removed|ENOENT)\); stopped before writing \(hint: [^\n]+\)\n$/);
  assert.deepEqual(writesSince(mark), [], 'the holder that lost its lock wrote nothing');
  assert.ok(!fs.existsSync(writerLock()) || fs.readdirSync(writerLock()).every((f) => f !== ownerName));
  assert.equal((await a.cb.hook(['cleanup'], env(a.value)).done).code, 0);
  assert.equal((await bcb.hook(['cleanup'], env(bValue)).done).code, 0);
  await a.cb.quit();
  await bcb.quit();
  assert.deepEqual(await checkClean(w), []);
});

test('a hook killed while preparing or releasing a lock leaves nothing that blocks the next one', async () => {
  for (const point of ['lock:tmp-ready', 'lock:releasing']) {
    const a = await pausedAuth(point);
    signal(a.pid, 'SIGKILL');
    await a.done;
    await a.cb.kill();
    const next = await certbot();
    const value = challengeValue('after');
    const r = await next.hook(['auth'], env(value)).done;
    assert.deepEqual([r.code, r.stderr], [0, ''], point);
    assert.ok(r.ms < 10_000, `${point}: next auth took ${r.ms} ms`);
    assert.equal((await next.hook(['cleanup'], env(value)).done).code, 0);
    await next.quit();
  }
  const { problems } = readLedgers(w);
  assert.deepEqual(problems, []);
  assert.deepEqual(await checkClean(w), []);
});

test('a cleanup killed while it still holds the writer lock (its entry already settled): reconcile removes the dead holder\'s lock, though no record needs a write', async () => {
  const cb = await certbot();
  const value = challengeValue('settled');
  assert.equal((await cb.hook(['auth'], env(value)).done).code, 0);
  const proc = cb.hook(['cleanup'], env(value, { ACME_GODADDY_TEST_PAUSE_AT: 'writer:settled#1' }));
  const pid = await proc.pid;
  assert.equal(await waitForPause(w, pid, proc.done), 'writer:settled');
  signal(pid, 'SIGKILL');
  await proc.done;
  await cb.quit();
  assert.equal(fs.readdirSync(writerLock()).filter((f) => f.startsWith(`owner-${pid}-`)).length, 1, 'the killed cleanup left its writer lock');
  assert.deepEqual(sorted(w.sim.txt(apex.zone, apex.record)), sorted(foreign), 'its value was already removed');
  // checkClean() runs reconcile, then wants nothing but ledgers in the zones directory.
  assert.deepEqual(await checkClean(w), []);
  assert.equal(fs.existsSync(writerLock()), false);
});
