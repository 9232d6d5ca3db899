/**
 * `npm run bench -- --quick` end to end, so the benchmark cannot rot unnoticed: every section runs
 * (cold start, contention, propagation, certificate flow) with every strategy (acme-godaddy and
 * baselines (a) naive, (b) careful, (c) fixed sleep), the JSON has a finite number for each figure,
 * and no hook failed. Only the shape and sanity of the figures are checked, never their size: the
 * machine is shared and noisy, and the quick run is not the target configuration.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'bench.js');

interface Run { code: number | null; stdout: string; stderr: string }

function runBench(out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // The bench has its own 150 s watchdog for --quick; this one only guards against a hang.
    const timer = setTimeout(() => child.kill('SIGTERM'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const finite = (value: unknown, what: string): void => {
  assert.equal(typeof value, 'number', `${what}: not a number (${String(value)})`);
  assert.ok(Number.isFinite(value as number), `${what}: not finite (${String(value)})`);
};

test('bench --quick: every section and baseline produces numeric figures', { timeout: 180_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-godaddy-bench-smoke-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'bench.json');
  const started = Date.now();
  const r = await runBench(out);
  t.diagnostic(`bench --quick took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(r.code, 0, `bench exited ${r.code}\n${r.stderr.slice(-2000)}`);
  assert.match(r.stdout, /TARGETS/);
  const j = JSON.parse(fs.readFileSync(out, 'utf8')) as any;

  assert.equal(j.meta.quick, true);
  assert.equal(j.meta.aborted, false);
  for (const key of ['coldStart', 'contention', 'propagation', 'flow', 'targets', 'table']) assert.ok(j[key], `section ${key} missing`);

  // Cold start: every kind timed (including the before/after of the start-up change), RSS read.
  for (const kind of ['bare', 'version', 'versionBefore', 'usAuth', 'usAuthBefore', 'usCleanup', 'naiveAuth', 'carefulAuth']) {
    finite(j.coldStart.medianMs[kind], `coldStart.medianMs.${kind}`);
  }
  finite(j.coldStart.peakHookKiB, 'coldStart.peakHookKiB');
  assert.deepEqual(j.coldStart.failures, []);
  assert.ok(j.coldStart.imports.length > 0);
  for (const imp of j.coldStart.imports) finite(imp.ms, `import ${imp.module}`);

  // Contention: each strategy at each K, with requests, PUTs and the all-live verdict.
  for (const strategy of ['us', 'naive', 'careful']) {
    const cells = j.contention.filter((c: any) => c.strategy === strategy);
    assert.ok(cells.length >= 2, `contention: ${strategy} has ${cells.length} cell(s)`);
    for (const c of cells) {
      finite(c.authWallMs, `contention ${strategy} K=${c.k} authWallMs`);
      finite(c.requestsPerValue, `contention ${strategy} K=${c.k} requestsPerValue`);
      finite(c.puts, `contention ${strategy} K=${c.k} puts`);
      assert.ok(c.puts >= 1, `contention ${strategy} K=${c.k}: no PUT`);
      assert.equal(typeof c.allLive, 'boolean');
      assert.equal(c.failedHooks, 0, `contention ${strategy} K=${c.k}: hooks failed: ${JSON.stringify(c.runs.map((x: any) => x.stderr))}`);
    }
  }
  // acme-godaddy's own values are all live at once (the baselines may lose some: that is the point).
  assert.ok(j.contention.filter((c: any) => c.strategy === 'us').every((c: any) => c.allLive));

  // Propagation: a measured overhead for acme-godaddy and every baseline, nothing early or failed.
  for (const strategy of ['us', 'naive', 'careful', 'fixed']) {
    const cells = j.propagation.filter((c: any) => c.strategy === strategy);
    assert.ok(cells.length >= 1, `propagation: no ${strategy} cell`);
    for (const c of cells) {
      finite(c.medianOverheadMs, `propagation ${strategy} D=${c.delayMs} medianOverheadMs`);
      finite(c.maxOverheadMs, `propagation ${strategy} D=${c.delayMs} maxOverheadMs`);
      assert.equal(c.failed, 0, `propagation ${strategy}: ${JSON.stringify(c.samples.map((s: any) => s.stderr))}`);
    }
  }
  assert.ok(j.propagation.filter((c: any) => c.strategy === 'us').every((c: any) => c.early === 0), 'acme-godaddy returned before every server served');

  // Certificate flow: every strategy ran the whole flow, every value served, nothing left.
  for (const strategy of ['us', 'naive', 'careful', 'fixed']) {
    const cells = j.flow.filter((c: any) => c.strategy === strategy);
    assert.ok(cells.length >= 1, `flow: no ${strategy} cell`);
    for (const c of cells) {
      for (const key of ['authMs', 'lastAuthMs', 'totalMs', 'requests', 'writes']) finite(c[key], `flow ${strategy} ${key}`);
      assert.equal(c.failedHooks, 0, `flow ${strategy}: ${JSON.stringify(c.runs.map((x: any) => x.stderr))}`);
      assert.equal(c.allServed, true, `flow ${strategy}: not every value served at the last auth`);
      assert.equal(c.leftBehind, 0, `flow ${strategy}: values left behind`);
    }
  }

  // Every target of #7 item 2 and #5 item 7 is reported.
  const ids = j.targets.map((x: any) => x.id);
  for (const id of ['cold-start', 'rss', 'propagation', 'flow-speedup', 'flow-within-d-plus-1']) assert.ok(ids.includes(id), `target ${id} missing`);
});
