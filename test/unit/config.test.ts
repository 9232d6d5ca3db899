import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { loadConfig, requireCredentials, systemResolvers } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const noFile = { ACME_GODADDY_ENV_FILE: '/dev/null' };

function tmp(t: test.TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agd-config-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('defaults', (t) => {
  const dir = tmp(t);
  fs.writeFileSync(path.join(dir, 'resolv.conf'), 'search x\nnameserver 10.0.0.53\nnameserver ::1\n');
  const env = { ACME_GODADDY_ENV_FILE: path.join(dir, 'missing-but-explicit') };
  assert.throws(() => loadConfig(env), /cannot read env file .*missing-but-explicit \(ENOENT\)/);
  const c = loadConfig({ ACME_GODADDY_RESOLVERS: '127.0.0.1:5353', ACME_GODADDY_ENV_FILE: '/dev/null' }, { resolvConf: path.join(dir, 'resolv.conf') });
  assert.equal(c.apiUrl.href, 'https://api.godaddy.com/');
  assert.equal(c.stateDir, '/var/lib/acme-godaddy');
  assert.equal(c.ttl, 600);
  assert.equal(c.dnsPort, 53);
  assert.equal(c.propagationTimeoutMs, 900_000);
  assert.equal(c.pollIntervalMs, 2000);
  assert.deepEqual(c.resolvers, [{ host: '127.0.0.1', port: 5353 }]);
  assert.equal(c.nameservers, undefined);
  assert.deepEqual(systemResolvers(path.join(dir, 'resolv.conf')), [{ host: '10.0.0.53', port: 53 }, { host: '::1', port: 53 }]);
});

test('env file fills in, the real environment wins', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'env');
  fs.writeFileSync(file, 'GODADDY_API_KEY=file-key\nGODADDY_API_SECRET="file secret"\nACME_GODADDY_TTL=900\n', { mode: 0o600 });
  const c = loadConfig({ ACME_GODADDY_ENV_FILE: file, ACME_GODADDY_TTL: '1200', ACME_GODADDY_RESOLVERS: '127.0.0.1' });
  assert.equal(c.apiKey?.reveal(), 'file-key');
  assert.equal(c.apiSecret?.reveal(), 'file secret');
  assert.equal(c.ttl, 1200);
  assert.equal(c.envFile, file);
});

test('every problem is reported in one ConfigError', () => {
  const err = (() => {
    try {
      loadConfig({ ...noFile, ACME_GODADDY_TTL: '300', ACME_GODADDY_DNS_PORT: 'x', GODADDY_API_URL: 'http://api.example.com',
        ACME_GODADDY_RESOLVERS: 'not-an-ip', ACME_GODADDY_POLL_INTERVAL: '-1', ACME_GODADDY_STATE_DIR: 'relative' });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  assert.equal(err.exitCode, 78);
  for (const part of ['ACME_GODADDY_TTL must be between 600 and 604800 (got 300)', 'ACME_GODADDY_DNS_PORT must be a whole number',
    'plain http:// only for loopback', 'ACME_GODADDY_RESOLVERS: "not-an-ip"', 'ACME_GODADDY_POLL_INTERVAL',
    'ACME_GODADDY_STATE_DIR must be an absolute path']) {
    assert.ok(err.message.includes(part), `${part} in: ${err.message}`);
  }
});

test('http:// is accepted for loopback API URLs only; nameserver lists parse host:port', () => {
  const c = loadConfig({ ...noFile, GODADDY_API_URL: 'http://127.0.0.1:8441/', ACME_GODADDY_RESOLVERS: '[::1]:53,127.0.0.2',
    ACME_GODADDY_NAMESERVERS: 'ns1.example.net:5300,127.0.0.3', ACME_GODADDY_DNS_PORT: '8054' });
  assert.equal(c.apiUrl.origin, 'http://127.0.0.1:8441');
  assert.deepEqual(c.resolvers, [{ host: '::1', port: 53 }, { host: '127.0.0.2', port: 53 }]);
  assert.deepEqual(c.nameservers, [{ host: 'ns1.example.net', port: 5300 }, { host: '127.0.0.3', port: 8054 }]);
});

test('credentials are required only for API work and never rendered', () => {
  const c = loadConfig({ ...noFile, ACME_GODADDY_RESOLVERS: '127.0.0.1' });
  assert.throws(() => requireCredentials(c), /missing GODADDY_API_KEY and GODADDY_API_SECRET/);
  const withKeys = loadConfig({ ...noFile, ACME_GODADDY_RESOLVERS: '127.0.0.1', GODADDY_API_KEY: 'K-SECRET-1', GODADDY_API_SECRET: 'S-SECRET-2' });
  const rendered = `${JSON.stringify(withKeys)} ${inspect(withKeys)} ${String(withKeys.apiKey)}`;
  assert.ok(!rendered.includes('K-SECRET-1') && !rendered.includes('S-SECRET-2'), rendered);
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('ACME_GODADDY_API_RATE is validated with the rest of the configuration: one line names every bad variable', () => {
  const err = configError({ ...noFile, ACME_GODADDY_TTL: '5', ACME_GODADDY_API_RATE: 'fast', ACME_GODADDY_STATE_DIR: 'rel' });
  assert.equal(err.exitCode, 78);
  assert.equal(err.message, 'invalid configuration: ACME_GODADDY_STATE_DIR must be an absolute path (got "rel"); '
    + 'ACME_GODADDY_TTL must be between 600 and 604800 (got 5); '
    + 'ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "fast")');
  assert.equal(err.hint, 'see the configuration table in the README');
});

test('ACME_GODADDY_API_RATE: default 60 per 60 s, N/S, off; from the env file, the real environment winning', (t) => {
  assert.deepEqual(loadConfig({ ...noFile }).apiRate, { limit: 60, windowMs: 60_000 });
  assert.deepEqual(loadConfig({ ...noFile, ACME_GODADDY_API_RATE: ' 30 / 2.5 ' }).apiRate, { limit: 30, windowMs: 2_500 });
  assert.equal(loadConfig({ ...noFile, ACME_GODADDY_API_RATE: 'OFF' }).apiRate, 'off');
  const file = path.join(tmp(t), 'env');
  fs.writeFileSync(file, 'ACME_GODADDY_API_RATE=10/60\n', { mode: 0o600 });
  assert.deepEqual(loadConfig({ ACME_GODADDY_ENV_FILE: file }).apiRate, { limit: 10, windowMs: 60_000 });
  assert.equal(loadConfig({ ACME_GODADDY_ENV_FILE: file, ACME_GODADDY_API_RATE: 'off' }).apiRate, 'off');
  fs.writeFileSync(file, 'ACME_GODADDY_API_RATE=0/60\n');
  assert.equal(configError({ ACME_GODADDY_ENV_FILE: file }).message,
    'invalid configuration: ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "0/60")');
});

test('ACME_GODADDY_ENV_FILE must be absolute, like every other path setting (the hooks\' cwd is the client\'s)', () => {
  const err = configError({ ACME_GODADDY_ENV_FILE: 'acme.env', ACME_GODADDY_TTL: '5' });
  assert.equal(err.exitCode, 78);
  assert.equal(err.message, 'invalid configuration: ACME_GODADDY_ENV_FILE must be an absolute path (got "acme.env"); '
    + 'ACME_GODADDY_TTL must be between 600 and 604800 (got 5)');
});
