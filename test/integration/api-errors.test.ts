/**
 * Every GoDaddy error path through the real CLI (`bin/acme-godaddy auth`): the exact one-line
 * message with its hint, the documented exit code, and (issue #4 item 8) that neither the API key
 * nor the secret appears in stdout, stderr, the ledger or any other file in the state directory,
 * with and without --verbose --debug.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { SimOptions } from '../../src/sim/sim.js';
import { runCli, tmpDir, validation, type CliResult } from '../support/cli.js';
import { filesUnder, lines, world, type World } from './api-support.js';

const KEY = 'KEY-4c1d-must-never-leak';
const SECRET = 'SECRET-9f2e-must-never-leak';
const WRONG_SECRET = 'WRONG-SECRET-77aa-must-never-leak';
const SENSITIVE = [KEY, SECRET, WRONG_SECRET];

interface Case {
  name: string;
  sim?: SimOptions;
  /** Changes to the world before the hook runs (`env`: the hook's environment); returns extra environment. */
  arrange?: (w: World, env: Record<string, string>) => Promise<Record<string, string>> | Record<string, string>;
  /** The hook that fails. Default 'auth'. */
  command?: 'auth' | 'cleanup';
  domain?: string;
  exit: number;
  /** The whole stderr line without the trailing newline (a RegExp where ports or timings vary). */
  line: string | RegExp | ((w: World) => string | RegExp);
  /** Requests the hook made, as `METHOD path status`. */
  requests?: string[] | ((w: World) => string[]);
  /** More checks on the world afterwards. */
  check?: (w: World) => void;
  /** Also run with --verbose --debug (the cases whose verbose output differs: retries, waits, read-backs). */
  loud?: boolean;
}

const ACCOUNTS = [{ key: KEY, secret: SECRET }];
const R = '/v1/domains/example.test/records/TXT/_acme-challenge';
const FOREIGN = 'google-site-verification=abc123';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const CASES: Case[] = [
  {
    name: '401 wrong secret',
    loud: true,
    arrange: () => ({ GODADDY_API_SECRET: WRONG_SECRET }),
    exit: 77,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 401 UNABLE_TO_AUTHENTICATE: Unauthorized : Could not authenticate API key/secret (hint: check GODADDY_API_KEY/GODADDY_API_SECRET; production and OTE keys are different)',
    requests: [`GET ${R} 401`],
  },
  {
    name: '403 ACCESS_DENIED (restricted account, every endpoint denied)',
    sim: { accounts: [{ key: KEY, secret: SECRET, restricted: true }], switches: { restrictedSet: 'all' } },
    exit: 77,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 403 ACCESS_DENIED: Authenticated user is not allowed access (hint: since 2024 GoDaddy opens its DNS API only to accounts that meet its eligibility rules (a minimum number of domains or a Discount Domain Club plan), or the key has no rights to this domain; ask GoDaddy support, or CNAME _acme-challenge to a zone at a DNS host you can edit)',
    requests: [`GET ${R} 403`],
  },
  {
    name: '403 ACCESS_DENIED (another account\'s domain, foreignDomain=403)',
    sim: { switches: { foreignDomain: '403' } },
    domain: 'notmine.test',
    exit: 77,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in notmine.test failed: HTTP 403 ACCESS_DENIED: Authenticated user is not allowed access (hint: since 2024 GoDaddy opens its DNS API only to accounts that meet its eligibility rules (a minimum number of domains or a Discount Domain Club plan), or the key has no rights to this domain; ask GoDaddy support, or CNAME _acme-challenge to a zone at a DNS host you can edit)',
  },
  {
    name: '404 UNKNOWN_DOMAIN (another account\'s domain, foreignDomain=404)',
    domain: 'notmine.test',
    exit: 65,
    line: (w) => `acme-godaddy: GoDaddy read of TXT records _acme-challenge in notmine.test failed: HTTP 404 UNKNOWN_DOMAIN: The given domain is not registered, or does not have a zone file (hint: the zone is not in the account of this API key at ${new URL(w.sim.apiUrl).host}, or GoDaddy does not host its DNS; check which GoDaddy account holds the domain and where its nameservers point)`,
    requests: ['GET /v1/domains/notmine.test/records/TXT/_acme-challenge 404'],
  },
  {
    name: '409 INACTIVE_DOMAIN (locked domain): no retry',
    sim: { domains: [{ domain: 'example.test', locked: true }] },
    exit: 69,
    line: 'acme-godaddy: GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 409 INACTIVE_DOMAIN: The given domain is not eligible to have its records changed (hint: GoDaddy does not allow record changes on this domain (locked, protected or not active); check the domain\'s status in the GoDaddy account)',
    requests: [`GET ${R} 200`, `PUT ${R} 409`],
  },
  {
    name: '422 with field details (a leftover value longer than GoDaddy accepts): no retry, nothing lost',
    loud: true,
    arrange: (w) => {
      w.sim.setTxt('example.test', '_acme-challenge', ['x'.repeat(600)], 3600);
      return {};
    },
    exit: 69,
    line: 'acme-godaddy: GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 422 INVALID_RECORDS: One or more of the given records is invalid [records INVALID_RECORDS: Invalid [length] provided for record data, must be 512 characters or less.] (hint: GoDaddy refused the data in the request (details in brackets); a PUT re-sends every value already at the name, so a value left by another tool that GoDaddy no longer accepts must be fixed in its DNS manager)',
    requests: [`GET ${R} 200`, `PUT ${R} 422`],
    check: (w) => assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), ['x'.repeat(600)], 'the leftover is still there'),
  },
  {
    name: '429 four times: waits as told each time, then exit 75',
    loud: true,
    arrange: (w) => {
      w.sim.injectFault({ method: 'GET', path: R, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 1 }, headers: { 'Retry-After': '1' }, times: 4 });
      return {};
    },
    exit: 75,
    line: /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 429 TOO_MANY_REQUESTS: Too many requests received within interval \(GoDaddy says retry after 1 s; gave up after 4 attempts in ([3-9]\.\d|\d\d(\.0)?) s\) \(hint: GoDaddy allows 60 requests per minute per endpoint; acme-godaddy waited as told and gave up; try again later\)$/,
    requests: [`GET ${R} 429`, `GET ${R} 429`, `GET ${R} 429`, `GET ${R} 429`],
  },
  {
    name: '503 four times: backoff 1, 2, 4 s, then exit 69',
    loud: true,
    arrange: (w) => {
      w.sim.injectFault({ method: 'GET', path: R, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' }, times: 4 });
      return {};
    },
    exit: 69,
    line: /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 503 SERVICE_UNAVAILABLE: Service unavailable \(gave up after 4 attempts in ([7-9]\.\d|\d\d(\.0)?) s\) \(hint: GoDaddy is having trouble; try again later\)$/,
    requests: [`GET ${R} 503`, `GET ${R} 503`, `GET ${R} 503`, `GET ${R} 503`],
  },
  {
    name: 'network failure (connection refused): names host and error, exit 69',
    loud: true,
    arrange: async () => ({ GODADDY_API_URL: `http://127.0.0.1:${await closedPort()}` }),
    exit: 69,
    line: /^acme-godaddy: cannot reach 127\.0\.0\.1:\d+ for GoDaddy read of TXT records _acme-challenge in example\.test: connection refused \(ECONNREFUSED\) \(gave up after 4 attempts in ([7-9]\.\d|\d\d(\.0)?) s\) \(hint: check network access to the GoDaddy API \(proxy, firewall, DNS\) and GODADDY_API_URL\)$/,
    requests: [],
  },
  {
    name: 'https:// to a plain-HTTP server (the simulator): not retried, one line saying the server does not speak TLS, exit 69',
    arrange: (w) => ({ GODADDY_API_URL: w.env['GODADDY_API_URL']!.replace(/^http:/, 'https:') }),
    exit: 69,
    line: (w) => {
      const host = new URL(w.env['GODADDY_API_URL']!).host;
      return `acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: the server at ${host} did not answer with TLS (ERR_SSL_WRONG_VERSION_NUMBER) (hint: GODADDY_API_URL says https:// but ${host} speaks something else, probably plain HTTP; for a plain-HTTP server on loopback (such as the simulator) write http://${host})`;
    },
    requests: [],
  },
  {
    name: 'write not verified: Domain Protection stores empty values (fails at once)',
    loud: true,
    sim: { domains: [{ domain: 'example.test', locked: true }], switches: { protection: 'storeEmpty' } },
    exit: 69,
    line: 'acme-godaddy: GoDaddy accepted the write of _acme-challenge in example.test but reading it back shows it missing 1 value(s) we wrote; it holds "" (hint: GoDaddy stored empty values instead of the ones sent, which is what its Domain Protection does; turn it off for example.test in the GoDaddy account, then run `acme-godaddy reconcile`)',
    requests: [`GET ${R} 200`, `PUT ${R} 200`, `GET ${R} 200`],
  },
  {
    name: '422 INVALID_BODY with the field (a leftover TTL GoDaddy refuses, maxTtl=86400): no retry, nothing lost',
    sim: { switches: { maxTtl: 86400 } },
    arrange: (w) => {
      w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN], 604800);
      return {};
    },
    exit: 69,
    line: 'acme-godaddy: GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 422 INVALID_BODY: Request body doesn\'t fulfill schema, see details in `fields` [records[0].ttl UNKNOWN_RESTRICTION: must have a maximum value of 86400 (value "google-site-verifica…", 31 characters, ttl 604800)] (hint: GoDaddy refused the data in the request (details in brackets); a PUT re-sends every value already at the name, so a value left by another tool that GoDaddy no longer accepts must be fixed in its DNS manager)',
    requests: [`GET ${R} 200`, `PUT ${R} 422`],
    check: (w) => assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), [FOREIGN]),
  },
  {
    name: '409 zone busy four times (busyAfterWriteMs): backoff, then exit 69',
    loud: true,
    sim: { busyAfterWriteMs: 120_000 },
    arrange: async (w) => {
      // Another client has just written to the zone: every write for the next 2 minutes meets a busy zone.
      const put = await fetch(`${w.sim.apiUrl}/v1/domains/example.test/records/TXT/other`, {
        method: 'PUT', headers: { authorization: `sso-key ${KEY}:${SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ data: 'x', ttl: 600 }]),
      });
      assert.equal(put.status, 200);
      return {};
    },
    exit: 69,
    line: /^acme-godaddy: GoDaddy write of TXT records _acme-challenge in example\.test failed: HTTP 409 The zone is being updated by another request; try again later \(gave up after 4 attempts in ([7-9]\.\d|\d\d(\.0)?) s\) \(hint: GoDaddy says the zone is busy with another request; try again later\)$/,
    requests: ['PUT /v1/domains/example.test/records/TXT/other 200', `GET ${R} 200`, `PUT ${R} 409`, `PUT ${R} 409`, `PUT ${R} 409`, `PUT ${R} 409`],
  },
  {
    name: 'no answer within ACME_GODADDY_HTTP_TIMEOUT, four times: names host and timeout, exit 69',
    arrange: (w) => {
      w.sim.injectFault({ method: 'GET', path: R, delayMs: 1500, times: 4 });
      return { ACME_GODADDY_HTTP_TIMEOUT: '1' };
    },
    exit: 69,
    line: (w) => new RegExp(`^acme-godaddy: cannot reach ${new URL(w.sim.apiUrl).host.replace(/\./g, '\\.')} for GoDaddy read of TXT records _acme-challenge in example\\.test: no answer within 1 s \\(ACME_GODADDY_HTTP_TIMEOUT\\) \\(gave up after 4 attempts in \\d+\\.?\\d* s\\) \\(hint: check network access to the GoDaddy API \\(proxy, firewall, DNS\\) and GODADDY_API_URL\\)$`),
  },
  {
    name: 'connection dropped on every PUT: names host and error, exit 69',
    arrange: (w) => {
      w.sim.injectFault({ method: 'PUT', path: R, drop: true, times: 4 });
      return {};
    },
    exit: 69,
    line: (w) => new RegExp(`^acme-godaddy: cannot reach ${new URL(w.sim.apiUrl).host.replace(/\./g, '\\.')} for GoDaddy write of TXT records _acme-challenge in example\\.test: connection closed by the server before it answered \\(UND_ERR_SOCKET\\) \\(gave up after 4 attempts in ([7-9]\\.\\d|\\d\\d(\\.0)?) s\\) \\(hint: check network access to the GoDaddy API \\(proxy, firewall, DNS\\) and GODADDY_API_URL\\)$`),
    requests: [`GET ${R} 200`, `PUT ${R} 0`, `PUT ${R} 0`, `PUT ${R} 0`, `PUT ${R} 0`],
  },
  {
    name: '429 asking for more than 120 s: that hook fails at once, the next one refuses without sending (exit 75 both)',
    loud: true,
    arrange: async (w, env) => {
      w.sim.injectFault({ method: 'GET', path: R, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 3600 }, headers: { 'Retry-After': '3600' } });
      const first = await runCli(['auth'], env);
      assert.equal(first.code, 75);
      assert.equal(first.stderr, 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 429 TOO_MANY_REQUESTS: Too many requests received within interval (GoDaddy says retry after 3600 s) (hint: GoDaddy allows 60 requests per minute per endpoint; acme-godaddy waited as told and gave up; try again later)\n');
      assert.ok(first.ms < 10_000, `at once (${first.ms} ms)`);
      return {};
    },
    exit: 75,
    line: /^acme-godaddy: GoDaddy rate limit: GoDaddy asked for no GET \/v1\/domains\/\{domain\}\/records\/\{type\}\/\{name\} request before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \((3[56]\d\d) s from now\); not waiting that long \(hint: GoDaddy allows 60 requests per minute per endpoint and may also enforce a quota; try again later\)$/,
    requests: [`GET ${R} 429`],
  },
  {
    name: 'write not verified: another tool overwrote the name at the same moment (fails at once)',
    arrange: (w) => {
      w.tap((q) => { if (q.method === 'PUT' && q.status === 200) w.sim.setTxt('example.test', '_acme-challenge', ['someone-elses-value'], 600); });
      return {};
    },
    exit: 69,
    line: 'acme-godaddy: GoDaddy accepted the write of _acme-challenge in example.test but reading it back shows it missing 1 value(s) we wrote; it holds someone-el… (hint: another tool changed this name at the same moment; run `acme-godaddy reconcile`, and keep other tools off _acme-challenge names)',
    requests: [`GET ${R} 200`, `PUT ${R} 200`, `GET ${R} 200`],
  },
  {
    name: 'write not verified: GoDaddy keeps answering with the old records (5 reads in about 3 s)',
    loud: true,
    arrange: (w) => {
      w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN], 3600);
      w.tap((q) => { if (q.method === 'PUT' && q.status === 200) w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN], 3600); });
      return {};
    },
    exit: 69,
    line: /^acme-godaddy: GoDaddy accepted the write of _acme-challenge in example\.test but reading it back 5 times in [23]\.\d s shows it missing 1 value\(s\) we wrote; it holds google-sit… \(hint: GoDaddy keeps answering with the records as they were before the write; try again later; `acme-godaddy reconcile` finishes the job\)$/,
    requests: [`GET ${R} 200`, `PUT ${R} 200`, `GET ${R} 200`, `GET ${R} 200`, `GET ${R} 200`, `GET ${R} 200`, `GET ${R} 200`],
  },
  {
    name: 'cleanup: DELETE answered 503 four times: exit 69, the ledger keeps the value for reconcile',
    command: 'cleanup',
    loud: true,
    arrange: async (w, env) => {
      await authFirst(env);
      w.sim.injectFault({ method: 'DELETE', path: R, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' }, times: 4 });
      return {};
    },
    exit: 69,
    line: /^acme-godaddy: GoDaddy delete of TXT records _acme-challenge in example\.test failed: HTTP 503 SERVICE_UNAVAILABLE: Service unavailable \(gave up after 4 attempts in ([7-9]\.\d|\d\d(\.0)?) s\) \(hint: GoDaddy is having trouble; try again later\)$/,
    check: (w) => {
      assert.equal(w.sim.txt('example.test', '_acme-challenge').length, 1, 'the value is still there');
      const ledger = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'zones', 'example.test.json'), 'utf8')) as { entries: Array<{ value: string }> };
      assert.deepEqual(ledger.entries.map((e) => e.value), w.sim.txt('example.test', '_acme-challenge'), 'the ledger still holds it, for reconcile');
    },
  },
  {
    name: 'cleanup: the secret was changed between auth and cleanup (401): exit 77',
    command: 'cleanup',
    arrange: async (_w, env) => {
      await authFirst(env);
      return { GODADDY_API_SECRET: WRONG_SECRET };
    },
    exit: 77,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 401 UNABLE_TO_AUTHENTICATE: Unauthorized : Could not authenticate API key/secret (hint: check GODADDY_API_KEY/GODADDY_API_SECRET; production and OTE keys are different)',
  },
  {
    name: 'GODADDY_API_URL ending in /v1: 404 NOT_FOUND with the URL hint, not retried, exit 69',
    arrange: (w) => ({ GODADDY_API_URL: `${w.sim.apiUrl}/v1` }),
    exit: 69,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 404 NOT_FOUND: The requested resource was not found (hint: GODADDY_API_URL must be the API host only (https://api.godaddy.com, or https://api.ote-godaddy.com for OTE), without /v1; a proxy in between can also answer like this)',
    requests: [`GET /v1${R} 404`],
  },
  {
    name: 'a 200 whose body is not JSON (a proxy answered): the URL hint, exit 69',
    arrange: (w) => {
      w.sim.injectFault({ method: 'GET', path: R, status: 200, body: '<html>proxy login</html>' });
      return {};
    },
    exit: 69,
    line: `acme-godaddy: GoDaddy GET ${R} returned a body that is not JSON (hint: GODADDY_API_URL must be the API host only (https://api.godaddy.com, or https://api.ote-godaddy.com for OTE), without /v1; a proxy in between can also answer like this)`,
    requests: [`GET ${R} 200`],
  },
  {
    name: 'any other status (400): one line, the catch-all hint, not retried, exit 69',
    arrange: (w) => {
      w.sim.injectFault({ method: 'GET', path: R, status: 400, body: { code: 'INVALID_BODY', message: 'Request body is not valid JSON' } });
      return {};
    },
    exit: 69,
    line: 'acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 400 INVALID_BODY: Request body is not valid JSON (hint: an answer GoDaddy does not give to the requests acme-godaddy sends; check GODADDY_API_URL, rerun with --verbose, and report it if it persists)',
    requests: [`GET ${R} 400`],
  },
  {
    name: 'bad ACME_GODADDY_API_RATE: exit 78 before any request',
    arrange: () => ({ ACME_GODADDY_API_RATE: '60 per minute' }),
    exit: 78,
    line: 'acme-godaddy: invalid configuration: ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "60 per minute") (hint: see the configuration table in the README)',
    requests: [],
  },
];

async function runCase(t: TestContext, c: Case, flags: string[]): Promise<{ w: World; r: CliResult; logFile: string }> {
  const w = await world(t, { accounts: ACCOUNTS, ...c.sim });
  // The audit log lives outside the state directory, as /var/log/acme-godaddy.jsonl would.
  const logFile = path.join(tmpDir(t, 'agd-log-'), 'audit.jsonl');
  const env: Record<string, string> = {
    ...w.env, GODADDY_API_KEY: KEY, GODADDY_API_SECRET: SECRET, ACME_GODADDY_LOG_FILE: logFile, ACME_GODADDY_RUN_ID: 'errors',
    CERTBOT_DOMAIN: c.domain ?? 'example.test', CERTBOT_VALIDATION: validation('err'), CERTBOT_REMAINING_CHALLENGES: '1',
  };
  const extra = (await c.arrange?.(w, env)) ?? {};
  const r = await runCli([c.command ?? 'auth', ...flags], { ...env, ...extra });
  return { w, r, logFile };
}

/** Runs a successful auth first (for the cleanup cases), from inside `arrange`. */
async function authFirst(env: Record<string, string>): Promise<void> {
  const r = await runCli(['auth'], env);
  assert.deepEqual([r.code, r.stderr], [0, ''], 'the auth before the failing cleanup');
}

/** The forms a leak could take: the literals, and the Authorization header (raw or base64). */
const FORMS = SENSITIVE.flatMap((s) => [s, Buffer.from(s).toString('base64').slice(0, 16)])
  .concat([`${KEY}:${SECRET}`, 'sso-key ']);

function assertNoSecrets(label: string, w: World, r: CliResult, logFile: string): void {
  const files = [...filesUnder(w.stateDir), ...filesUnder(path.dirname(logFile))];
  for (const s of FORMS) {
    assert.ok(!r.stdout.includes(s), `${label}: stdout holds ${s}`);
    assert.ok(!r.stderr.includes(s), `${label}: stderr holds ${s}`);
    for (const f of files) assert.ok(!f.text.includes(s), `${label}: ${f.file} holds ${s}`);
  }
  // The simulator's own log never records credentials either (it is what `npm run sim` prints).
  assert.ok(!JSON.stringify(w.sim.requests).includes(SECRET));
}

/** The audit log was written (so checking it means something) and ends with the error and its exit code. */
function assertLogged(label: string, logFile: string, exit: number): void {
  assert.ok(fs.existsSync(logFile), `${label}: the audit log was written`);
  const entries = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; exitCode?: number });
  assert.ok(entries.length >= 2, `${label}: ${entries.length} log line(s)`);
  assert.equal(entries.at(-1)!.exitCode, exit, `${label}: the last log line has the exit code`);
  assert.ok(entries.some((e) => e.level === 'error'), `${label}: the failure is logged as an error`);
}

describe('GoDaddy errors through the CLI: one line, hint, exit code, no secrets', { concurrency: true }, () => {
  for (const c of CASES) {
    it(c.name, { timeout: 30_000 }, async (t) => {
      const [plain, loud] = await Promise.all([runCase(t, c, []), c.loud ? runCase(t, c, ['--verbose', '--debug']) : undefined]);
      const { w, r, logFile } = plain;
      assert.equal(r.code, c.exit, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.endsWith('\n') && r.stderr.trim().split('\n').length === 1, `one line: ${r.stderr}`);
      const line = typeof c.line === 'function' ? c.line(w) : c.line;
      if (typeof line === 'string') assert.equal(r.stderr.trimEnd(), line);
      else assert.match(r.stderr.trimEnd(), line);
      const requests = typeof c.requests === 'function' ? c.requests(w) : c.requests;
      if (requests) assert.deepEqual(lines(w.sim.requests), requests);
      c.check?.(w);
      assertNoSecrets('plain', w, r, logFile);
      if (c.exit !== 78) assertLogged('plain', logFile, c.exit);
      if (loud) {
        assert.equal(loud.r.code, c.exit, loud.r.stderr);
        assert.ok(loud.r.stderr.split('\n').length > 2, 'verbose output was produced');
        assertNoSecrets('--verbose --debug', loud.w, loud.r, loud.logFile);
        assertLogged('--verbose --debug', loud.logFile, c.exit);
      }
    });
  }

  it('a clean auth + cleanup with --verbose --debug leaks nothing either; the budget file holds only a hash', async (t) => {
    const w = await world(t, { accounts: ACCOUNTS });
    const v = validation('ok');
    const logFile = path.join(tmpDir(t, 'agd-log-'), 'audit.jsonl');
    const env = { ...w.env, GODADDY_API_KEY: KEY, GODADDY_API_SECRET: SECRET, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v, ACME_GODADDY_LOG_FILE: logFile };
    const a = await runCli(['auth', '--verbose', '--debug'], { ...env, CERTBOT_REMAINING_CHALLENGES: '0' });
    const c = await runCli(['cleanup', '--verbose', '--debug'], env);
    assert.deepEqual([a.code, c.code], [0, 0], a.stderr + c.stderr);
    assertNoSecrets('auth', w, a, logFile);
    assertNoSecrets('cleanup', w, c, logFile);
    assert.ok(fs.readFileSync(logFile, 'utf8').includes('PUT /v1/domains/example.test/records/TXT/_acme-challenge'), 'the log was written');
    const budget = filesUnder(path.join(w.stateDir, 'ratelimit'));
    assert.equal(budget.length, 1);
    assert.match(path.basename(budget[0]!.file), /^[0-9a-f]{16}\.json$/);
  });
});
