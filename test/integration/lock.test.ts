import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from '../../src/state/lock.js';
import { LockTimeoutError } from '../../src/errors.js';
import { tmpDir } from '../support/cli.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'lock-worker.js');

function worker(base: string, marker: string, rounds: number, holdMs: number): Promise<{ overlaps: number; maxWaitMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, base, marker, String(rounds), String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as { overlaps: number; maxWaitMs: number });
      else reject(new Error(`worker exited ${code}`));
    });
  });
}

test('never two holders at once: 6 processes x 15 rounds on one lock', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  const results = await Promise.all(Array.from({ length: 6 }, () => worker(base, path.join(dir, 'inside'), 15, 3)));
  assert.deepEqual(results.map((r) => r.overlaps), [0, 0, 0, 0, 0, 0]);
  t.diagnostic(`longest wait for the lock: ${Math.max(...results.map((r) => r.maxWaitMs))} ms`);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.lock')), []);
});

test('a holder that is alive but stuck: the waiter gives up naming the lock file and the holder', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  let release!: () => void;
  const held = withLock(base, { timeoutMs: 5000 }, () => new Promise<void>((r) => { release = r; }));
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(withLock(base, { timeoutMs: 400 }, async () => undefined), (err: unknown) =>
    err instanceof LockTimeoutError && err.exitCode === 75
    && err.message.startsWith(`gave up after 0 s waiting for lock ${base}.lock, held by pid ${process.pid} on `));
  release();
  await held;
});

test('an empty lock directory (a holder killed between its unlink and rmdir) is no obstacle', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  fs.mkdirSync(`${base}.lock`);
  const started = Date.now();
  const value = await withLock(base, { timeoutMs: 5000, staleMs: 2000 }, async () => 'taken');
  assert.equal(value, 'taken');
  assert.ok(Date.now() - started < 1000);
  assert.equal(fs.existsSync(`${base}.lock`), false);
});

/** A lock held by a process that is then SIGKILLed (what a crashed hook leaves). */
async function lockOfKilledProcess(base: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { withLock } = await import(${JSON.stringify(new URL('../../src/state/lock.js', import.meta.url).href)});
    await withLock(${JSON.stringify(base)}, { timeoutMs: 5000 }, async () => { process.stdout.write('held'); await new Promise(() => setInterval(() => {}, 1000)); });
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

test('a dead holder on this host is taken over at once, not after the stale time', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  await lockOfKilledProcess(base);
  assert.equal(fs.readdirSync(`${base}.lock`).filter((f) => f.startsWith('owner-')).length, 1, 'the dead holder left its lock');
  const started = Date.now();
  const value = await withLock(base, { timeoutMs: 30_000, staleMs: 60_000 }, async () => 'taken over');
  assert.equal(value, 'taken over');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.deepEqual(fs.readdirSync(dir), [], 'no lock or abandoned directory left');
});

test('a holder that cannot be observed (another host) is taken over only once its heartbeat is older than the stale time', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  fs.mkdirSync(`${base}.lock`);
  const owner = path.join(`${base}.lock`, 'owner-1-abc.json');
  fs.writeFileSync(owner, JSON.stringify({ pid: 1, host: 'elsewhere.invalid', token: '1-abc', since: new Date().toISOString(), command: 'auth' }));
  // Fresh heartbeat: the waiter gives up, naming the holder.
  await assert.rejects(withLock(base, { timeoutMs: 300, staleMs: 5000 }, async () => undefined),
    (err: unknown) => err instanceof LockTimeoutError && /held by pid 1 on elsewhere\.invalid since \S+ \(auth\)$/.test(err.message));
  // Heartbeat older than the stale time: taken over.
  const old = new Date(Date.now() - 6000);
  fs.utimesSync(owner, old, old);
  assert.equal(await withLock(base, { timeoutMs: 2000, staleMs: 5000 }, async () => 'taken over'), 'taken over');
  assert.equal(fs.existsSync(owner), false);
});
