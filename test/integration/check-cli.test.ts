/**
 * `acme-godaddy check` through the real CLI against the simulator: one line per check, the exit
 * code of the first failure, the certbot command lines with the absolute binary, and no change at
 * GoDaddy (GETs only).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { BIN, runCli, tmpDir } from '../support/cli.js';

async function world(t: test.TestContext, opts: Parameters<typeof startSim>[0] = {}): Promise<{ sim: Sim; env: Record<string, string>; stateDir: string; dir: string }> {
  const sim = await startSim(opts);
  t.after(() => sim.close());
  const dir = tmpDir(t, 'agd-check-');
  const stateDir = path.join(dir, 'state');
  return { sim, dir, stateDir, env: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir } };
}

/** `ok  `/`FAIL` and the check name of every check line. */
function verdicts(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^(ok  |FAIL)  /.test(l)).map((l) => `${l.slice(0, 4).trim()} ${l.slice(6, l.indexOf(': ', 6))}`);
}

test('check: everything in order -> one ok line per check, certbot lines with the absolute binary, exit 0, GETs only', async (t) => {
  const w = await world(t);
  w.sim.setTxt('example.test', '_acme-challenge', ['foreign=1']);
  const r = await runCli(['check', 'example.test', '*.example.test', 'www.example.test', 'other.test'], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(verdicts(r.stdout), [
    'ok configuration', 'ok credentials', `ok state directory ${w.stateDir}`, 'ok hook command',
    'ok example.test', 'ok example.test', 'ok example.test', 'ok example.test',
    'ok www.example.test', 'ok www.example.test',
    'ok other.test', 'ok other.test', 'ok other.test', 'ok other.test',
  ]);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('ok    example.test: zone: _acme-challenge.example.test is in zone example.test (record _acme-challenge)'), r.stdout);
  assert.ok(lines.includes('ok    example.test: GoDaddy API: credentials accepted; GET _acme-challenge in example.test answered with 1 TXT value(s)'), r.stdout);
  // Named after the domain whose record was read, not its zone: www.example.test's line is not "example.test: GoDaddy API".
  assert.ok(lines.includes('ok    www.example.test: GoDaddy API: credentials accepted; GET _acme-challenge.www in example.test answered with 0 TXT value(s)'), r.stdout);
  assert.ok(lines.includes('ok    example.test: delegation: served by GoDaddy: ns1.domaincontrol.test, ns2.domaincontrol.test'), r.stdout);
  assert.match(r.stdout, /^ok {4}example\.test: authoritative servers: 2 of 2 answer: ns1\.domaincontrol\.test \(127\.0\.0\.2:\d+\) \d+ ms, ns2\.domaincontrol\.test \(127\.0\.0\.3:\d+\) \d+ ms$/m);
  assert.ok(lines.includes(`ok    hook command: ${BIN} (absolute; certbot stores it in the renewal configuration)`), r.stdout);
  assert.ok(lines.includes(`    --manual-auth-hook "${BIN} auth" \\`), r.stdout);
  assert.ok(lines.includes(`    --manual-cleanup-hook "${BIN} cleanup" \\`), r.stdout);
  assert.ok(lines.includes(`    -d example.test -d '*.example.test' -d www.example.test -d other.test`), r.stdout);
  assert.equal(lines.filter(Boolean).at(-1), 'all checks passed');
  assert.ok(path.isAbsolute(BIN));
  // Nothing changed at GoDaddy: one GET per distinct challenge name, nothing else.
  assert.deepEqual(w.sim.requests.map((q) => `${q.method} ${decodeURIComponent(q.path)}`).sort(), [
    'GET /v1/domains/example.test/records/TXT/_acme-challenge',
    'GET /v1/domains/example.test/records/TXT/_acme-challenge.www',
    'GET /v1/domains/other.test/records/TXT/_acme-challenge',
  ]);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), ['foreign=1']);
  // The state directory was created 0700, as the hooks would.
  assert.equal(fs.statSync(w.stateDir).mode & 0o777, 0o700);
  assert.deepEqual(fs.readdirSync(path.join(w.stateDir, 'zones')), [], 'no probe file left behind');
});

test('check: zone not in the account, delegated elsewhere, no such zone -> FAIL lines, exit code of the first failure', async (t) => {
  const w = await world(t);
  const r = await runCli(['check', 'notmine.test', 'elsewhere.test', 'nosuch.test'], w.env);
  assert.equal(r.code, 65, r.stdout);
  assert.deepEqual(verdicts(r.stdout), [
    'ok configuration', 'ok credentials', `ok state directory ${w.stateDir}`, 'ok hook command',
    'ok notmine.test', 'FAIL notmine.test', 'ok notmine.test', 'ok notmine.test',
    'ok elsewhere.test', 'ok elsewhere.test', 'FAIL elsewhere.test', 'ok elsewhere.test',
    'FAIL nosuch.test',
  ]);
  assert.match(r.stdout, /^FAIL {2}notmine\.test: GoDaddy API: zone notmine\.test is not in this GoDaddy account: .*HTTP 404 UNKNOWN_DOMAIN.* \(hint: use the key of the account that holds the domain; .*\)$/m);
  assert.match(r.stdout, /^FAIL {2}elsewhere\.test: delegation: zone elsewhere\.test is delegated to ns1\.other-dns\.test, not to GoDaddy's nameservers/m);
  assert.match(r.stdout, /^FAIL {2}nosuch\.test: zone: no DNS zone found for _acme-challenge\.nosuch\.test/m);
  assert.match(r.stdout, /\n3 check\(s\) failed\n$/);
  assert.ok(w.sim.requests.every((q) => q.method === 'GET'));
});

test('check: wrong secret -> 401 explained, exit 77, the secret is never printed', async (t) => {
  const w = await world(t);
  const secret = 'wrong-secret-d1e5f0a7';
  const r = await runCli(['check', 'other.test'], { ...w.env, GODADDY_API_SECRET: secret });
  assert.equal(r.code, 77);
  assert.match(r.stdout, /^FAIL {2}other\.test: GoDaddy API: credentials refused: .*HTTP 401 UNABLE_TO_AUTHENTICATE.*\(hint: wrong key or secret, or an OTE key used against production/m);
  assert.ok(!`${r.stdout}${r.stderr}`.includes(secret));
  const json = await runCli(['check', '--json', 'other.test'], { ...w.env, GODADDY_API_SECRET: secret });
  assert.equal(json.code, 77);
  assert.ok(!json.stdout.includes(secret));
  const report = JSON.parse(json.stdout) as { ok: boolean; exitCode: number; checks: Array<{ name: string; ok: boolean; detail: string; hint?: string; exitCode?: number }>; certbot: string[]; binary: string };
  assert.deepEqual(Object.keys(report).sort(), ['binary', 'certbot', 'checks', 'exitCode', 'ok']);
  assert.equal(report.ok, false);
  assert.equal(report.exitCode, 77);
  assert.equal(report.binary, BIN);
  assert.deepEqual(report.checks.filter((c) => !c.ok).map((c) => [c.name, c.exitCode]), [['other.test: GoDaddy API', 77]]);
  assert.equal(report.certbot[1], `  --manual-auth-hook "${BIN} auth" \\`);
});

test('check: a restricted account (2024 rules) gets a 403 with the explanation, exit 77', async (t) => {
  const w = await world(t, { accounts: [{ key: 'r-key', secret: 'r-secret', restricted: true }], switches: { restrictedSet: 'all' } });
  const r = await runCli(['check', 'example.test'], w.env);
  assert.equal(r.code, 77, r.stdout);
  assert.match(r.stdout, /^FAIL {2}example\.test: GoDaddy API: credentials accepted but access denied: .*HTTP 403.*\(hint: since 2024 GoDaddy opens the DNS API only to accounts that meet its eligibility rules/m);
});

test('check: unusable state directory, loose env file, missing credentials, silent nameserver -> each its own FAIL line', async (t) => {
  const w = await world(t, { nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 0 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 0 },
  ] });
  fs.mkdirSync(w.stateDir, { mode: 0o777 });
  fs.chmodSync(w.stateDir, 0o777);
  const envFile = path.join(w.dir, 'env');
  fs.writeFileSync(envFile, `GODADDY_API_KEY=${w.env['GODADDY_API_KEY']}\n`, { mode: 0o644 });
  fs.chmodSync(envFile, 0o644);
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'drop');
  const env: Record<string, string> = { ...w.env, ACME_GODADDY_ENV_FILE: envFile };
  delete env['GODADDY_API_KEY'];
  delete env['GODADDY_API_SECRET'];
  const r = await runCli(['check', 'example.test'], env);
  assert.equal(r.code, 78, r.stdout);
  assert.equal(r.stderr, '', 'check reports the permission problem as a check line, not as a stderr warning');
  assert.deepEqual(verdicts(r.stdout), [
    'ok configuration', 'FAIL file permissions', 'FAIL credentials', `FAIL state directory ${w.stateDir}`, 'ok hook command',
    'ok example.test', 'ok example.test', 'FAIL example.test',
  ]);
  assert.ok(r.stdout.includes(`FAIL  file permissions: env file ${envFile} holds GoDaddy credentials and is readable by group and others (mode 644); run: chmod 600 ${envFile}`), r.stdout);
  assert.ok(r.stdout.includes('FAIL  credentials: GODADDY_API_SECRET not set (nor GODADDY_API_SECRET_FILE)'), r.stdout);
  assert.match(r.stdout, /FAIL {2}state directory .*: state directory .* is writable by group or others \(mode 777\) \(hint: chmod 700 /);
  assert.match(r.stdout, /^FAIL {2}example\.test: authoritative servers: 1 of 2 do not answer: ns2\.domaincontrol\.test \(127\.0\.0\.3:\d+\): /m);
  assert.equal(w.sim.requests.length, 0, 'no API call without credentials');
});

test('check without a domain: local checks only, says so, exit 0', async (t) => {
  const w = await world(t);
  const r = await runCli(['check'], w.env);
  assert.equal(r.code, 0);
  assert.deepEqual(verdicts(r.stdout), ['ok configuration', 'ok credentials', `ok state directory ${w.stateDir}`, 'ok hook command']);
  assert.match(r.stdout, /^note {2}no domain given: GoDaddy API access and DNS were not checked \(run: acme-godaddy check example\.com\)$/m);
  assert.match(r.stdout, / {4}-d example\.com -d '\*\.example\.com'\n/);
  assert.equal(w.sim.requests.length, 0);
});

test('check with a name that cannot be a domain: its zone line fails with the domain hint, exit 64, no request', async (t) => {
  const w = await world(t);
  const r = await runCli(['check', '*.', 'example.test'], w.env);
  assert.equal(r.code, 64, r.stdout + r.stderr);
  assert.ok(r.stdout.split('\n').includes('FAIL  *.: zone: domain "*." is only a wildcard, without a domain name (hint: give the name the certificate is for, as certbot\'s -d takes it: example.com, www.example.com or *.example.com)'), r.stdout);
  assert.deepEqual(w.sim.requests.map((q) => `${q.method} ${decodeURIComponent(q.path)}`), ['GET /v1/domains/example.test/records/TXT/_acme-challenge']);
});
