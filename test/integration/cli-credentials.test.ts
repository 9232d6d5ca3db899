/**
 * Credentials through the real CLI: the env file permission warning (one stderr line, only when
 * the file holds credentials and group/others can read it), GODADDY_API_KEY_FILE /
 * GODADDY_API_SECRET_FILE, their precedence, and that the secret never appears in any output.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { runCli, tmpDir, validation } from '../support/cli.js';

async function world(t: test.TestContext): Promise<{ sim: Sim; dir: string; base: Record<string, string> }> {
  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 50 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 100 },
  ] });
  t.after(() => sim.close());
  const dir = tmpDir(t, 'agd-cred-');
  const base: Record<string, string> = { ...sim.env(), ACME_GODADDY_STATE_DIR: path.join(dir, 'state'), ACME_GODADDY_POLL_INTERVAL: '0.1' };
  delete base['GODADDY_API_KEY'];
  delete base['GODADDY_API_SECRET'];
  return { sim, dir, base };
}

function writeFile(file: string, text: string, mode: number): string {
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  return file;
}

/** One auth hook at other.test that writes and returns (more challenges follow, so no DNS wait). */
async function authOnce(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const r = await runCli(['auth'], { ...env, CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: validation('cred'), CERTBOT_REMAINING_CHALLENGES: '1' });
  return { code: r.code, stderr: r.stderr };
}

test('env file: mode 600 is silent; group/world readable with credentials warns once per run on stderr; without credentials it does not', async (t) => {
  const w = await world(t);
  const envFile = writeFile(path.join(w.dir, 'env'), 'GODADDY_API_KEY=sim-key\nGODADDY_API_SECRET=sim-secret\n', 0o600);
  assert.deepEqual(await authOnce({ ...w.base, ACME_GODADDY_ENV_FILE: envFile }), { code: 0, stderr: '' });

  fs.chmodSync(envFile, 0o644);
  const warning = `acme-godaddy: warning: env file ${envFile} holds GoDaddy credentials and is readable by group and others (mode 644); run: chmod 600 ${envFile}\n`;
  // The hook still works (exit 0): certbot shows the line as a warning on every renewal until fixed.
  assert.deepEqual(await authOnce({ ...w.base, ACME_GODADDY_ENV_FILE: envFile }), { code: 0, stderr: warning });
  fs.chmodSync(envFile, 0o640);
  const r = await runCli(['status'], { ...w.base, ACME_GODADDY_ENV_FILE: envFile });
  assert.equal(r.stderr, `acme-godaddy: warning: env file ${envFile} holds GoDaddy credentials and is readable by group (mode 640); run: chmod 600 ${envFile}\n`);

  // Settings only, no credentials: world-readable is fine.
  const settings = writeFile(path.join(w.dir, 'settings'), 'ACME_GODADDY_TTL=900\n', 0o644);
  assert.deepEqual(await authOnce({ ...w.base, GODADDY_API_KEY: 'sim-key', GODADDY_API_SECRET: 'sim-secret', ACME_GODADDY_ENV_FILE: settings }),
    { code: 0, stderr: '' });
});

test('GODADDY_API_KEY_FILE / GODADDY_API_SECRET_FILE: used, trimmed, permission-checked; conflicts and relative paths are config errors', async (t) => {
  const w = await world(t);
  const keyFile = writeFile(path.join(w.dir, 'key'), 'sim-key\n', 0o600);
  const secretFile = writeFile(path.join(w.dir, 'secret'), '  sim-secret\n', 0o400);
  const files = { ...w.base, ACME_GODADDY_ENV_FILE: '/dev/null', GODADDY_API_KEY_FILE: keyFile, GODADDY_API_SECRET_FILE: secretFile };
  const before = w.sim.requests.length;
  assert.deepEqual(await authOnce(files), { code: 0, stderr: '' });
  assert.ok(w.sim.requests.slice(before).every((r) => r.status < 300), 'the simulator accepted the key and secret read from the files');

  fs.chmodSync(secretFile, 0o644);
  const loose = await runCli(['status'], files);
  assert.equal(loose.stderr, `acme-godaddy: warning: GODADDY_API_SECRET_FILE ${secretFile} is readable by group and others (mode 644); run: chmod 600 ${secretFile}\n`);
  fs.chmodSync(secretFile, 0o600);

  // The real environment's *_FILE wins over the env file's plain value (one setting, two spellings).
  const envFile = writeFile(path.join(w.dir, 'env'), 'GODADDY_API_KEY=stale-key\nGODADDY_API_SECRET=stale-secret\n', 0o600);
  assert.deepEqual(await authOnce({ ...files, ACME_GODADDY_ENV_FILE: envFile }), { code: 0, stderr: '' });

  const both = await runCli(['auth'], { ...files, GODADDY_API_KEY: 'sim-key', CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: 'x' });
  assert.equal(both.code, 78);
  assert.equal(both.stderr, 'acme-godaddy: invalid configuration: set GODADDY_API_KEY or GODADDY_API_KEY_FILE, not both (hint: see the configuration table in the README)\n');
  const relative = await runCli(['status'], { ...w.base, ACME_GODADDY_ENV_FILE: '/dev/null', GODADDY_API_SECRET_FILE: 'secret' });
  assert.equal(relative.code, 78);
  assert.match(relative.stderr, /GODADDY_API_SECRET_FILE must be an absolute path \(got "secret"\)/);
  const absent = await runCli(['status'], { ...w.base, ACME_GODADDY_ENV_FILE: '/dev/null', GODADDY_API_SECRET_FILE: path.join(w.dir, 'nope') });
  assert.match(absent.stderr, /cannot read GODADDY_API_SECRET_FILE .*nope \(ENOENT\)/);
  const missing = await runCli(['auth'], { ...w.base, ACME_GODADDY_ENV_FILE: '/dev/null', GODADDY_API_KEY: 'sim-key', CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: 'x' });
  assert.equal(missing.code, 78);
  assert.match(missing.stderr, /^acme-godaddy: missing GODADDY_API_SECRET \(or GODADDY_API_SECRET_FILE; looked in the environment or \/dev\/null\)/);
});

test('a refused secret never shows up: not on stdout/stderr (with --verbose --debug), not in the log file, not in the state directory', async (t) => {
  const w = await world(t);
  const secret = 'S3CR3T-"quoted"-7f3a9c';
  const logFile = path.join(w.dir, 'audit.jsonl');
  const env = { ...w.base, ACME_GODADDY_ENV_FILE: '/dev/null', GODADDY_API_KEY: 'sim-key', GODADDY_API_SECRET: secret, ACME_GODADDY_LOG_FILE: logFile };
  const outputs: string[] = [];
  for (const args of [['auth', '--verbose', '--debug'], ['cleanup', '--verbose'], ['check', '--json', 'other.test']]) {
    const r = await runCli(args, { ...env, CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: validation('leak') });
    outputs.push(r.stdout, r.stderr);
    if (args[0] === 'auth') {
      assert.equal(r.code, 77);
      assert.match(r.stderr, /HTTP 401 UNABLE_TO_AUTHENTICATE/);
    }
  }
  const log = fs.readFileSync(logFile, 'utf8');
  assert.match(log, /"level":"error".*HTTP 401/, 'the failure itself is in the log');
  const stateFiles = fs.readdirSync(w.base['ACME_GODADDY_STATE_DIR']!, { recursive: true }).map(String)
    .map((f) => path.join(w.base['ACME_GODADDY_STATE_DIR']!, f)).filter((f) => fs.statSync(f).isFile());
  const everything = [...outputs, log, ...stateFiles.map((f) => fs.readFileSync(f, 'utf8'))].join('\n');
  for (const form of [secret, JSON.stringify(secret).slice(1, -1), 'S3CR3T']) assert.ok(!everything.includes(form), `"${form}" leaked`);
});
