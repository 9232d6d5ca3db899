/**
 * Install paths a server admin uses: `npm pack` + `npm install -g` into a fresh prefix, and the
 * single-file bundle (scripts/bundle.ts, `npm run bundle`) run with plain node from a directory
 * without node_modules, against the simulator.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundle } from '../../scripts/bundle.js';
import { startSim } from '../../src/sim/sim.js';
import { REPO_ROOT, tmpDir, validation } from '../support/cli.js';

const run = promisify(execFile);
const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A clean environment: no developer GoDaddy settings, no env file. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ACME_)?GODADDY_|^CERTBOT_|^npm_/.test(k)) env[k] = v;
  return { ...env, ACME_GODADDY_ENV_FILE: '/dev/null', ...extra };
}

test('npm pack + npm install -g --prefix: the installed acme-godaddy runs --version, check --help and the demo', { timeout: 90_000 }, async (t) => {
  const dir = tmpDir(t, 'agd-pack-');
  // dist/ is built by `npm test`; --ignore-scripts keeps `prepare` from rebuilding it under other running tests.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: cleanEnv(), timeout: 60_000 });
  const info = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  const files = info.files.map((f) => f.path);
  for (const needed of ['bin/acme-godaddy', 'dist/src/main.js', 'dist/src/cli/check.js', 'scripts/clients/dns_acmegodaddy.sh', 'README.md', 'package.json']) {
    assert.ok(files.includes(needed), `${needed} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^(dist\/test|dist\/scripts|test|src)\//.test(f)), [], 'no tests or sources in the tarball');

  const prefix = path.join(dir, 'prefix');
  const started = Date.now();
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, info.filename)],
    { cwd: dir, env: cleanEnv(), timeout: 60_000 });
  t.diagnostic(`npm install -g: ${Date.now() - started} ms`);
  const bin = path.join(prefix, 'bin', 'acme-godaddy');
  const home = path.join(prefix, 'lib', 'node_modules', 'acme-godaddy');
  assert.ok(fs.existsSync(path.join(home, 'scripts', 'clients', 'dns_acmegodaddy.sh')));
  assert.ok(!fs.existsSync(path.join(home, 'node_modules', 'esbuild')), 'no dev dependencies installed');

  assert.equal((await run(bin, ['--version'], { cwd: '/', env: cleanEnv() })).stdout, `${version}\n`);
  const help = await run(bin, ['check', '--help'], { cwd: '/', env: cleanEnv() });
  assert.match(help.stdout, /^Usage: acme-godaddy check /);
  const demo = await run(bin, ['demo'], { cwd: '/', env: cleanEnv(), timeout: 60_000 });
  assert.match(demo.stdout, /certificates issued: +3 of 3/);
});

test('single-file bundle: plain node, no node_modules: --version, status, auth + cleanup against the simulator', { timeout: 60_000 }, async (t) => {
  const dir = tmpDir(t, 'agd-bundle-');
  const file = path.join(dir, 'acme-godaddy.mjs');
  const { bytes } = await bundle(file);
  t.diagnostic(`bundle: ${Math.round(bytes / 1024)} KiB`);
  assert.equal(fs.statSync(file).mode & 0o111, 0o111, 'executable');
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.startsWith('#!/usr/bin/env node\n'));
  assert.doesNotMatch(text, /\bfrom\s*["'](undici|dns2|dotenv|proper-lockfile)["']|require\(["'](undici|dns2|dotenv|proper-lockfile)["']\)/, 'dependencies are inlined');
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules')));

  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 50 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 150 },
  ] });
  t.after(() => sim.close());
  const env = cleanEnv({ ...sim.env(), ACME_GODADDY_STATE_DIR: path.join(dir, 'state'), ACME_GODADDY_POLL_INTERVAL: '0.05' });
  const node = (args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, [file, ...args], { cwd: dir, env: { ...env, ...extra }, timeout: 30_000 });

  assert.equal((await node(['--version'])).stdout, `${version}\n`);
  assert.equal((await node(['status'])).stdout, 'no pending values\n');
  const v = validation('bundle');
  const hook = { CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' };
  const auth = await node(['auth'], hook);
  assert.deepEqual([auth.stdout, auth.stderr], ['', '']);
  for (const ns of sim.nameservers) assert.deepEqual(sim.published(ns.name, '_acme-challenge.www.example.test'), [v], ns.name);
  assert.match((await node(['status'])).stdout, /example\.test +_acme-challenge\.www +\S+ +live/);
  const cleanup = await node(['cleanup'], hook);
  assert.deepEqual([cleanup.stdout, cleanup.stderr], ['', '']);
  assert.deepEqual(sim.txt('example.test', '_acme-challenge.www'), []);
  assert.equal((await node(['status'])).stdout, 'no pending values\n');
  // Run directly (shebang) as certbot would, and `check` names the bundle itself as the hook.
  const check = await run(file, ['check', 'example.test'], { cwd: dir, env, timeout: 30_000 });
  assert.match(check.stdout, new RegExp(`--manual-auth-hook "${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} auth"`));
  // Installed as the README says: the .mjs file behind a link named acme-godaddy.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.symlinkSync(file, path.join(dir, 'bin', 'acme-godaddy'));
  assert.equal((await run(path.join(dir, 'bin', 'acme-godaddy'), ['--version'], { cwd: '/', env })).stdout, `${version}\n`);
  await assert.rejects(node(['demo']), (err: { code?: number; stderr?: string }) =>
    err.code === 64 && /demo needs the npm installation/.test(err.stderr ?? ''));
});
