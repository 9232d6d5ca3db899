/**
 * ACME_GODADDY_LOG_FILE (JSON lines, redacted, one line per API call and decision) and --verbose.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { redact } from '../../src/cli/logfile.js';
import { startSim } from '../../src/sim/sim.js';
import { runCli, tmpDir, validation } from '../support/cli.js';

interface Line {
  ts: string;
  level: string;
  pid: number;
  command: string;
  run: string;
  msg: string;
  [field: string]: unknown;
}

test('log file: one JSON line per API call and decision, with command, run and outcome; read-only commands add nothing', async (t) => {
  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 50 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 150 },
  ] });
  t.after(() => sim.close());
  const dir = tmpDir(t, 'agd-log-');
  const logFile = path.join(dir, 'audit.jsonl');
  const env = { ...sim.env(), ACME_GODADDY_STATE_DIR: path.join(dir, 'state'), ACME_GODADDY_LOG_FILE: logFile,
    ACME_GODADDY_POLL_INTERVAL: '0.1', ACME_GODADDY_RUN_ID: 'run-7' };
  const [v1, v2] = [validation('log1'), validation('log2')];
  const calls: Array<[string, Record<string, string>]> = [
    ['auth', { CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1' }],
    ['auth', { CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' }],
    ['cleanup', { CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1 }],
    ['cleanup', { CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v2 }],
  ];
  for (const [command, extra] of calls) {
    const r = await runCli([command], { ...env, ...extra });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], 'the log file does not make the hooks talk');
  }
  assert.equal(fs.statSync(logFile).mode & 0o777, 0o600);
  const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).slice(0, 6), ['ts', 'level', 'pid', 'command', 'run', 'msg'].filter((k) => k !== 'run' || 'run' in l));
    assert.ok(!Number.isNaN(Date.parse(l.ts)));
    assert.equal(l.level, 'info');
  }
  assert.ok(lines.every((l) => l.run === 'id:run-7'), 'every line names the run');
  // Start and end of each hook, in order, with the outcome.
  assert.deepEqual(lines.filter((l) => l.msg === `${l.command} example.test` || l.msg === `${l.command} done`).map((l) => [l.command, l.msg.split(' ')[1], l['exitCode'] ?? l['value']]),
    [['auth', 'example.test', v1], ['auth', 'done', 0], ['auth', 'example.test', v2], ['auth', 'done', 0],
      ['cleanup', 'example.test', v1], ['cleanup', 'done', 0], ['cleanup', 'example.test', v2], ['cleanup', 'done', 0]]);
  // Exactly one line per GoDaddy API request, in the simulator's order.
  const apiLines = lines.map((l) => /^(GET|PUT|DELETE) (\S+) -> (\d+)/.exec(l.msg)).filter((m) => m !== null).map((m) => `${m[1]} ${decodeURIComponent(m[2]!)} ${m[3]}`);
  assert.deepEqual(apiLines, sim.requests.map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`));
  // The decisions: what each write did, and the one propagation wait.
  assert.deepEqual(lines.filter((l) => /: (PUT|DELETE) keep=/.test(l.msg)).map((l) => l.msg.replace(/^\S+: /, '')),
    ['PUT keep=1 drop=0 foreign=0', 'PUT keep=2 drop=0 foreign=0', 'PUT keep=1 drop=1 foreign=0', 'DELETE keep=0 drop=1 foreign=0']);
  assert.equal(lines.filter((l) => l.msg.startsWith('waiting for 2 value(s)')).length, 1);
  assert.equal(lines.filter((l) => l.msg.startsWith('propagated after')).length, 1);

  const size = fs.statSync(logFile).size;
  for (const args of [['status'], ['status', '--json'], ['reconcile', '--dry-run'], ['check', 'example.test']]) {
    assert.equal((await runCli(args, env)).code, 0);
  }
  assert.equal(fs.statSync(logFile).size, size, 'read-only commands do not write to the audit log');
});

test('--verbose explains each step on stderr; an unwritable log file costs one warning, not the hook', async (t) => {
  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 0 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 0 },
  ] });
  t.after(() => sim.close());
  const dir = tmpDir(t, 'agd-log-');
  const env = { ...sim.env(), ACME_GODADDY_STATE_DIR: path.join(dir, 'state'), ACME_GODADDY_POLL_INTERVAL: '0.1' };
  const v = validation('verbose');
  const r = await runCli(['auth', '--verbose'], { ...env, CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: v });
  assert.equal(r.code, 0);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.every((l) => l.startsWith('acme-godaddy: ')), r.stderr);
  assert.ok(lines.includes('acme-godaddy: _acme-challenge.other.test: PUT keep=1 drop=0 foreign=0'), r.stderr);
  assert.equal(lines.filter((l) => /^acme-godaddy: (GET|PUT) \/v1\/domains\/other\.test\/records\/TXT\/_acme-challenge -> 200 \(\d+ ms\)$/.test(l)).length, 3);
  assert.ok(lines.some((l) => /^acme-godaddy: propagated after \d+ ms/.test(l)), r.stderr);

  const blocked = await runCli(['cleanup'], { ...env, ACME_GODADDY_LOG_FILE: dir, CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: v });
  assert.equal(blocked.code, 0);
  assert.equal(blocked.stderr, `acme-godaddy: warning: cannot write ACME_GODADDY_LOG_FILE ${dir} (EISDIR); logging disabled for this run\n`);
  assert.deepEqual(sim.txt('other.test', '_acme-challenge'), []);

  const relative = await runCli(['status'], { ...env, ACME_GODADDY_LOG_FILE: 'audit.jsonl' });
  assert.equal(relative.code, 78);
  assert.match(relative.stderr, /ACME_GODADDY_LOG_FILE must be an absolute path \(got "audit\.jsonl"\)/);
});

test('redact() replaces the literal secret and its JSON-escaped form', () => {
  const secret = 'a"b\\c';
  const line = JSON.stringify({ msg: `sso-key KEY1:${secret}`, raw: secret });
  assert.equal(redact(line, [secret, 'KEY1']), '{"msg":"sso-key ***:***","raw":"***"}');
  assert.equal(redact('nothing here', ['KEY1']), 'nothing here');
});
