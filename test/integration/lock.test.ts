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

test('a holder that died is taken over after the stale time', async (t) => {
  const dir = tmpDir(t);
  const base = path.join(dir, 'zone.json');
  fs.mkdirSync(`${base}.lock`); // what a SIGKILLed holder leaves
  const old = new Date(Date.now() - 3000);
  fs.utimesSync(`${base}.lock`, old, old);
  const started = Date.now();
  const value = await withLock(base, { timeoutMs: 5000, staleMs: 2000 }, async () => 'taken over');
  assert.equal(value, 'taken over');
  assert.ok(Date.now() - started < 1000);
});
