/**
 * Other ACME clients' calling conventions, through the real CLI against the simulator (the real
 * lego and dehydrated runs are in test/e2e/clients.test.ts): lego's exec provider arguments,
 * dehydrated's hook events with and without HOOK_CHAIN, and the acme.sh dnsapi shim
 * (scripts/clients/dns_acmegodaddy.sh) sourced by a stub of acme.sh's helper functions.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { BIN, REPO_ROOT, runCli, tmpDir, validation } from '../support/cli.js';

const FOREIGN = 'google-site-verification=xyz';

async function world(t: test.TestContext): Promise<{ sim: Sim; dir: string; env: Record<string, string>; logFile: string }> {
  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 100 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 300 },
  ] });
  t.after(() => sim.close());
  const dir = tmpDir(t, 'agd-clients-');
  const logFile = path.join(dir, 'audit.jsonl');
  return { sim, dir, logFile, env: { ...sim.env(), ACME_GODADDY_STATE_DIR: path.join(dir, 'state'), ACME_GODADDY_POLL_INTERVAL: '0.05', ACME_GODADDY_LOG_FILE: logFile } };
}

function published(sim: Sim, fqdn: string): string[][] {
  return sim.nameservers.map((ns) => [...sim.published(ns.name, fqdn)].sort());
}

function methods(sim: Sim, from: number): string {
  return sim.requests.slice(from).map((r) => r.method).join(' ');
}

function waits(logFile: string): number[] {
  return fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)
    .map((m) => /^waiting for (\d+) value/.exec(m)?.[1]).filter((n): n is string => n !== undefined).map(Number);
}

async function ledgerEmpty(env: Record<string, string>): Promise<void> {
  assert.deepEqual((JSON.parse((await runCli(['status', '--json'], env)).stdout) as { entries: unknown[] }).entries, []);
}

test('lego exec: present/cleanup <fqdn.> <value>, also spelled "lego present"; values may start with "-"', async (t) => {
  const w = await world(t);
  w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN]);
  const [v1, v2] = [`-${validation('lego1').slice(1)}`, validation('lego2')];
  let mark = w.sim.requests.length;
  const p1 = await runCli(['present', '_acme-challenge.example.test.', v1], w.env);
  assert.deepEqual([p1.code, p1.stdout, p1.stderr], [0, '', '']);
  assert.equal(methods(w.sim, mark), 'GET PUT GET');
  // Returned only once every authoritative server served the value.
  assert.deepEqual(published(w.sim, '_acme-challenge.example.test'), [[v1, FOREIGN].sort(), [v1, FOREIGN].sort()]);
  const p2 = await runCli(['lego', 'present', '_acme-challenge.example.test.', v2], w.env);
  assert.deepEqual([p2.code, p2.stderr], [0, '']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [v1, v2, FOREIGN].sort());

  mark = w.sim.requests.length;
  const c1 = await runCli(['cleanup', '_acme-challenge.example.test.', v1], w.env);
  assert.deepEqual([c1.code, c1.stdout, c1.stderr], [0, '', '']);
  assert.equal(methods(w.sim, mark), 'GET PUT GET');
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [v2, FOREIGN].sort());
  assert.equal((await runCli(['lego', 'cleanup', '_acme-challenge.example.test.', v2], w.env)).code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), [FOREIGN]);
  assert.deepEqual(waits(w.logFile), [1, 1], 'each present waits for its own value');
  await ledgerEmpty(w.env);
});

test('dehydrated HOOK_CHAIN: one deploy_challenge call writes three values in two zones and waits once; clean_challenge removes them', async (t) => {
  const w = await world(t);
  const v = [validation('d1'), validation('d2'), validation('d3')];
  const triples = ['other.test', 'tok1', v[0]!, 'other.test', 'tok2', v[1]!, 'www.example.test', 'tok3', v[2]!];
  const mark = w.sim.requests.length;
  const deploy = await runCli(['deploy_challenge', ...triples], w.env);
  assert.deepEqual([deploy.code, deploy.stdout, deploy.stderr], [0, '', '']);
  assert.equal(methods(w.sim, mark), 'GET PUT GET GET PUT GET GET PUT GET');
  assert.deepEqual(published(w.sim, '_acme-challenge.other.test'), [[v[0]!, v[1]!].sort(), [v[0]!, v[1]!].sort()]);
  assert.deepEqual(published(w.sim, '_acme-challenge.www.example.test'), [[v[2]!], [v[2]!]]);
  assert.deepEqual(waits(w.logFile), [3], 'written first, then one wait for all three');

  const clean = await runCli(['dehydrated', 'clean_challenge', ...triples], w.env);
  assert.deepEqual([clean.code, clean.stdout, clean.stderr], [0, '', '']);
  assert.deepEqual(w.sim.txt('other.test', '_acme-challenge'), []);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.www'), []);
  await ledgerEmpty(w.env);

  // Without HOOK_CHAIN: one call per challenge, each waits for what its run has written so far.
  fs.rmSync(w.logFile);
  for (const [i, d] of ['example.test', 'example.test'].entries()) {
    const r = await runCli(['deploy_challenge', d, `t${i}`, v[i]!], w.env);
    assert.deepEqual([r.code, r.stderr], [0, '']);
  }
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [v[0]!, v[1]!].sort());
  assert.equal(waits(w.logFile).length, 2);
  for (const [i, d] of ['example.test', 'example.test'].entries()) assert.equal((await runCli(['clean_challenge', d, `t${i}`, v[i]!], w.env)).code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('dehydrated: a failed deploy_challenge takes back the values it already wrote (dehydrated calls no clean_challenge then)', async (t) => {
  const w = await world(t);
  const [ok, bad] = [validation('ok'), validation('bad')];
  const r = await runCli(['deploy_challenge', 'other.test', 't1', ok, 'notmine.test', 't2', bad], w.env);
  assert.equal(r.code, 65);
  assert.match(r.stderr, /^acme-godaddy: GoDaddy .*notmine\.test.*HTTP 404 UNKNOWN_DOMAIN/);
  assert.deepEqual(w.sim.txt('other.test', '_acme-challenge'), [], 'the first value was removed again');
  const entries = (JSON.parse((await runCli(['status', '--json'], w.env)).stdout) as { entries: Array<{ zone: string }> }).entries;
  assert.deepEqual(entries.filter((e) => e.zone === 'other.test'), [], 'nothing of other.test left in the ledger');
});

/** Runs `script` with dash, the way acme.sh sources a dnsapi file, with a stub of acme.sh's helpers. */
function acmeSh(script: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string }> {
  const stub = `
_info() { echo "[info] $*"; }
_err() { echo "[err] $*"; }
_debug() { :; }
_readaccountconf_mutable() { sed -n "s/^SAVED_$1=//p" account.conf 2>/dev/null; }
_saveaccountconf_mutable() { grep -v "^SAVED_$1=" account.conf > account.tmp 2>/dev/null; echo "SAVED_$1=$2" >> account.tmp; mv account.tmp account.conf; }
. '${path.join(REPO_ROOT, 'scripts', 'clients', 'dns_acmegodaddy.sh')}'
${script}
`;
  return new Promise((resolve, reject) => {
    const child = spawn('dash', ['-c', stub], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('acme.sh dnsapi shim: dns_acmegodaddy_add/_rm drive the CLI; the binary is found on PATH once and remembered', async (t) => {
  const w = await world(t);
  w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN]);
  const binDir = path.join(w.dir, 'bin');
  fs.mkdirSync(binDir);
  fs.symlinkSync(BIN, path.join(binDir, 'acme-godaddy'));
  const env = { ...w.env, ACME_GODADDY_ENV_FILE: '/dev/null', PATH: `${binDir}:${process.env['PATH']}` };
  const [v1, v2] = [validation('sh1'), validation('sh2')];

  const add = await acmeSh(`dns_acmegodaddy_add _acme-challenge.example.test ${v1} && dns_acmegodaddy_add _acme-challenge.example.test ${v2} && echo added`, env, w.dir);
  assert.equal(add.code, 0, add.out);
  assert.equal(add.out, '[info] Adding _acme-challenge.example.test with acme-godaddy\n'.repeat(2) + 'added\n');
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [v1, v2, FOREIGN].sort());
  assert.deepEqual(published(w.sim, '_acme-challenge.example.test'), [[v1, v2, FOREIGN].sort(), [v1, v2, FOREIGN].sort()]);
  assert.equal(fs.readFileSync(path.join(w.dir, 'account.conf'), 'utf8'), `SAVED_ACME_GODADDY_BIN=${path.join(binDir, 'acme-godaddy')}\n`);

  // A renewal from cron: PATH without our directory; the remembered path is used.
  const rm = await acmeSh(`dns_acmegodaddy_rm _acme-challenge.example.test ${v1} && dns_acmegodaddy_rm _acme-challenge.example.test ${v2} && echo removed`,
    { ...env, PATH: '/usr/bin:/bin' }, w.dir);
  assert.equal(rm.code, 0, rm.out);
  assert.match(rm.out, /removed\n$/);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), [FOREIGN]);
  await ledgerEmpty(w.env);

  const fail = await acmeSh(`dns_acmegodaddy_add _acme-challenge.notmine.test ${v1}; echo "rc=$?"`, env, w.dir);
  assert.match(fail.out, /^\[info\] Adding _acme-challenge\.notmine\.test with acme-godaddy\nacme-godaddy: .*HTTP 404 UNKNOWN_DOMAIN.*\n\[err\] acme-godaddy could not add _acme-challenge\.notmine\.test .*\nrc=1\n$/);

  fs.rmSync(path.join(w.dir, 'account.conf'));
  const missing = await acmeSh(`dns_acmegodaddy_add _acme-challenge.example.test ${v1}; echo "rc=$?"`, { ...env, PATH: '/usr/bin:/bin' }, w.dir);
  assert.equal(missing.out, '[err] acme-godaddy not found; install it or set ACME_GODADDY_BIN=/path/to/acme-godaddy\nrc=1\n');
});
