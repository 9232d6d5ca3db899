/**
 * The GoDaddy client against the simulator, in-process: the retry policy (429 with every mix of
 * Retry-After / retryAfterSec, quota mode, 409 busy vs INACTIVE_DOMAIN, 5xx, timeouts, dropped and
 * refused connections, no retry on other 4xx) and the exact error lines. Policy numbers are scaled
 * down (backoff base 50 ms, default 429 wait 600 ms) so the file stays fast; the production numbers
 * are asserted on DEFAULT_RETRY_POLICY itself.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { ExitCode, HookError, toUserLine } from '../../src/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  GoDaddyApiError,
  GoDaddyClient,
  NetworkError,
  retryAfterHeaderMs,
  type ClientOptions,
} from '../../src/godaddy/client.js';
import { MemoryPacer } from '../../src/godaddy/pacer.js';
import { Secret } from '../../src/secret.js';
import { startSim, type Sim, type SimOptions, type SimRequest } from '../../src/sim/sim.js';

const T = { timeout: 20_000 };
const FAST = { backoffBaseMs: 50, backoffMaxMs: 400, defaultRetryAfterMs: 600, maxRetryAfterMs: 5_000 };
const ZONE = 'example.test';
const NAME = '_acme-challenge';
const RECORDS = `/v1/domains/${ZONE}/records/TXT/${NAME}`;
const BIG = { limit: 10_000, windowMs: 60_000 };

async function setup(t: TestContext, simOptions: SimOptions = {}, client: Partial<ClientOptions> = {}): Promise<{ sim: Sim; api: GoDaddyClient; make: (extra: Partial<ClientOptions>) => GoDaddyClient }> {
  const sim = await startSim({ rateLimit: BIG, ...simOptions });
  t.after(() => sim.close());
  const make = (extra: Partial<ClientOptions>): GoDaddyClient => {
    const c = new GoDaddyClient({
      baseUrl: new URL(sim.apiUrl), key: new Secret(sim.key), secret: new Secret(sim.secret), timeoutMs: 2_000,
      retry: FAST, pacer: new MemoryPacer({ budget: BIG }), ...client, ...extra,
    });
    t.after(() => c.close());
    return c;
  };
  return { sim, api: make({}), make };
}

function log(sim: Sim, from = 0): SimRequest[] {
  return sim.requests.slice(from);
}

async function failure(p: Promise<unknown>): Promise<HookError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HookError, `a HookError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

describe('GoDaddy client: retry policy in numbers', () => {
  it('production policy: 3 retries after 429 (60 s when GoDaddy gives no time, >120 s fails at once), 3 after 409/5xx/network at 1-2-4 s (max 8 s)', () => {
    assert.deepEqual({ ...DEFAULT_RETRY_POLICY }, {
      rateLimitRetries: 3, defaultRetryAfterMs: 60_000, maxRetryAfterMs: 120_000,
      transientRetries: 3, backoffBaseMs: 1_000, backoffMaxMs: 8_000,
    });
  });

  it('Retry-After: delta seconds or an HTTP date; garbage is ignored', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterHeaderMs('7', now), 7000);
    assert.equal(retryAfterHeaderMs(['2', '9'], now), 2000);
    assert.equal(retryAfterHeaderMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterHeaderMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
    assert.equal(retryAfterHeaderMs('soon', now), undefined);
    assert.equal(retryAfterHeaderMs(undefined, now), undefined);
  });
});

describe('GoDaddy client: 429', { concurrency: true }, () => {
  for (const [header, body] of [[true, true], [true, false], [false, true], [false, false]] as const) {
    it(`retryAfterHeader=${header} retryAfterBody=${body}: waits ${header || body ? 'the time GoDaddy gives' : 'the default'} before the next request, then succeeds`, T, async (t) => {
      const { sim, api } = await setup(t, {
        rateLimit: { limit: 2, windowMs: 1000 },
        switches: { retryAfterHeader: header, retryAfterBody: body },
      });
      await api.getTxt(ZONE, NAME);
      await api.getTxt(ZONE, NAME);
      assert.deepEqual(await api.getTxt(ZONE, NAME), []);
      const gets = log(sim).filter((r) => r.method === 'GET');
      const statuses = gets.map((r) => r.status);
      assert.equal(statuses.slice(0, 3).join(' '), '200 200 429');
      assert.equal(statuses.at(-1), 200);
      // Never before GoDaddy said: 1 s (ceil of what is left of the window) or the 600 ms default.
      const told = header || body ? 1000 : FAST.defaultRetryAfterMs;
      for (let i = 0; i < gets.length - 1; i++) {
        if (gets[i]!.status !== 429) continue;
        const gap = gets[i + 1]!.at - gets[i]!.at;
        assert.ok(gap >= told, `request after a 429 came ${gap} ms later, GoDaddy/default said ${told} ms`);
        assert.ok(gap <= told + Math.min(1000, told / 4) + 400, `and not much later (${gap} ms)`);
      }
    });
  }

  it('uses the larger of Retry-After and retryAfterSec, and reads an HTTP-date Retry-After', T, async (t) => {
    const { sim, api } = await setup(t);
    sim.injectFault({ method: 'GET', path: RECORDS, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 0 }, headers: { 'Retry-After': '1' } });
    await api.getTxt(ZONE, NAME);
    let [limited, next] = log(sim);
    assert.ok(next!.at - limited!.at >= 1000, `header 1 s beat body 0 s (${next!.at - limited!.at} ms)`);

    const mark = sim.requests.length;
    const at = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    sim.injectFault({ method: 'GET', path: RECORDS, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'x' }, headers: { 'Retry-After': at.toUTCString() } });
    await api.getTxt(ZONE, NAME);
    [limited, next] = log(sim, mark);
    assert.equal(limited!.status, 429);
    assert.ok(next!.at >= at.getTime(), `not before the HTTP date (${next!.at - at.getTime()} ms)`);
  });

  it('jitter only ever adds: at most min(1 s, 25 %) on top of what GoDaddy says', T, async (t) => {
    const { sim, api } = await setup(t, {}, { random: () => 0.999 });
    sim.injectFault({ method: 'GET', path: RECORDS, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'x', retryAfterSec: 1 } });
    await api.getTxt(ZONE, NAME);
    const [limited, next] = log(sim);
    const gap = next!.at - limited!.at;
    assert.ok(gap >= 1000 + 240 && gap < 1000 + 250 + 300, `1 s + 25 % jitter (${gap} ms)`);
  });

  it('bounded: 4 attempts, then one line with the count, exit 75', T, async (t) => {
    const { sim, api } = await setup(t);
    sim.injectFault({ method: 'GET', path: RECORDS, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 0 }, times: 10 });
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.equal(log(sim).length, 4);
    assert.equal(err.exitCode, ExitCode.TEMPFAIL);
    assert.match(toUserLine(err), /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 429 TOO_MANY_REQUESTS: Too many requests received within interval \(GoDaddy says retry after 0 s; gave up after 4 attempts in \d\.\d s\) \(hint: GoDaddy allows 60 requests per minute per endpoint; acme-godaddy waited as told and gave up; try again later\)$/);
  });

  it('a wait longer than 120 s (here 5 s) fails at once, and the hold stops the next request before it is sent', T, async (t) => {
    const { sim, api } = await setup(t);
    sim.injectFault({ method: 'GET', path: RECORDS, status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 3600 }, headers: { 'Retry-After': '3600' } });
    const started = Date.now();
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.ok(Date.now() - started < 1000);
    assert.equal(err.exitCode, 75);
    assert.equal(err.message, 'GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 429 TOO_MANY_REQUESTS: Too many requests received within interval (GoDaddy says retry after 3600 s)');
    const again = await failure(api.getTxt(ZONE, NAME));
    assert.equal(log(sim).length, 1, 'nothing sent while GoDaddy said to wait');
    assert.match(again.message, /^GoDaddy rate limit: GoDaddy asked for no GET \/v1\/domains\/\{domain\}\/records\/\{type\}\/\{name\} request before \d{4}-\d\d-\d\dT\S+Z \(360\d s from now\); not waiting that long$/);
    assert.equal(again.exitCode, 75);
    // Other endpoints are not held.
    await api.putTxt(ZONE, NAME, [{ data: 'v', ttl: 600 }]);
  });

  it('quota mode (429 QUOTA_EXCEEDED, no Retry-After): default wait, recovers when the quota resets, else gives up with a quota hint', T, async (t) => {
    const { sim, api } = await setup(t, { rateLimit: { limit: 1, windowMs: 60_000 }, switches: { rateLimitMode: 'quota' } });
    await api.getTxt(ZONE, NAME);
    setTimeout(() => sim.resetRateLimits(), 900);
    await api.getTxt(ZONE, NAME);
    // The quota resets 0.9 s in; retries come every 0.6 s (+ jitter), so one or two 429s come
    // before it (two on an idle machine; one when the machine is slow enough to delay the first).
    const statuses = log(sim).map((r) => r.status);
    assert.ok(statuses.length === 3 || statuses.length === 4, `statuses ${statuses.join(',')}`);
    assert.deepEqual([statuses[0], statuses.at(-1)], [200, 200]);
    assert.ok(statuses.slice(1, -1).every((s) => s === 429), `statuses ${statuses.join(',')}`);
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.deepEqual(log(sim).slice(statuses.length).map((r) => r.status), [429, 429, 429, 429]);
    assert.match(toUserLine(err), /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 429 QUOTA_EXCEEDED: rate limit exceeded \(gave up after 4 attempts in \d\.\d s\) \(hint: GoDaddy says the API quota of this key is used up; it resets later; try again later\)$/);
  });
});

describe('GoDaddy client: 409, 5xx, network', { concurrency: true }, () => {
  it('409 zone busy is retried with backoff until the zone is free', T, async (t) => {
    const { sim, api } = await setup(t, { busyAfterWriteMs: 150 });
    await api.putTxt(ZONE, NAME, [{ data: 'a', ttl: 600 }]);
    await api.putTxt(ZONE, NAME, [{ data: 'b', ttl: 600 }]);
    const puts = log(sim).filter((r) => r.method === 'PUT');
    assert.equal(puts[1]!.status, 409);
    assert.equal(puts.at(-1)!.status, 200);
    assert.ok(puts.length >= 3 && puts.length <= 5, `${puts.length} PUTs`);
    assert.deepEqual(sim.txt(ZONE, NAME), ['b']);
  });

  it('422 "Resource is being used in another request" (busyAnswer=422) is a busy zone: retried, then one line with the busy hint', T, async (t) => {
    const { sim, api } = await setup(t);
    const busy = { method: 'PUT', path: RECORDS, status: 422, body: { code: '', message: 'Resource is being used in another request' } };
    sim.injectFault(busy);
    await api.putTxt(ZONE, NAME, [{ data: 'v', ttl: 600 }]);
    assert.deepEqual(log(sim).map((r) => r.status), [422, 200]);
    sim.injectFault({ ...busy, times: 4 });
    const err = await failure(api.putTxt(ZONE, NAME, [{ data: 'w', ttl: 600 }]));
    assert.equal(log(sim).length, 6);
    assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
    assert.match(toUserLine(err), /^acme-godaddy: GoDaddy write of TXT records _acme-challenge in example\.test failed: HTTP 422 Resource is being used in another request \(gave up after 4 attempts in \d\.\d s\) \(hint: GoDaddy says the zone is busy with another request; try again later\)$/);
    // Any other 422 is the data, not the zone: never retried (see "other 4xx" below).
  });

  it('409 INACTIVE_DOMAIN (locked domain) is not retried: one request, one line', T, async (t) => {
    const { sim, api } = await setup(t, { domains: [{ domain: 'locked.test', locked: true }] });
    const err = await failure(api.putTxt('locked.test', NAME, [{ data: 'v', ttl: 600 }]));
    assert.equal(log(sim).length, 1);
    assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
    assert.equal(toUserLine(err), "acme-godaddy: GoDaddy write of TXT records _acme-challenge in locked.test failed: HTTP 409 INACTIVE_DOMAIN: The given domain is not eligible to have its records changed (hint: GoDaddy does not allow record changes on this domain (locked, protected or not active); check the domain's status in the GoDaddy account)");
  });

  it('500/502/503/504 are retried after ~1x, 2x, 4x the base; then give up after 4 attempts with exit 69', T, async (t) => {
    const { sim, api } = await setup(t);
    sim.injectFault({ method: 'GET', path: RECORDS, status: 500, body: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    sim.injectFault({ method: 'GET', path: RECORDS, status: 502, body: '<html>bad gateway</html>' });
    sim.injectFault({ method: 'GET', path: RECORDS, status: 504, body: { code: 'GATEWAY_TIMEOUT', message: 'Gateway timeout' } });
    assert.deepEqual(await api.getTxt(ZONE, NAME), []);
    const reqs = log(sim);
    assert.deepEqual(reqs.map((r) => r.status), [500, 502, 504, 200]);
    const gaps = reqs.slice(1).map((r, i) => r.at - reqs[i]!.at);
    [50, 100, 200].forEach((base, i) => assert.ok(gaps[i]! >= base && gaps[i]! < base * 1.5 + 150, `gap ${i + 1}: ${gaps[i]} ms for base ${base}`));

    const mark = sim.requests.length;
    sim.injectFault({ method: 'GET', path: RECORDS, status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' }, times: 10 });
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.equal(sim.requests.length - mark, 4);
    assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
    assert.match(toUserLine(err), /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 503 SERVICE_UNAVAILABLE: Service unavailable \(gave up after 4 attempts in \d\.\d s\) \(hint: GoDaddy is having trouble; try again later\)$/);
  });

  it('a timeout and a dropped connection are retried; persistent ones name the host and the error', T, async (t) => {
    const { sim, make } = await setup(t);
    const api = make({ timeoutMs: 300 });
    sim.injectFault({ method: 'GET', path: RECORDS, delayMs: 800 });
    sim.injectFault({ method: 'GET', path: RECORDS, drop: true });
    assert.deepEqual(await api.getTxt(ZONE, NAME), []);
    const host = new URL(sim.apiUrl).host;

    sim.injectFault({ method: 'GET', path: RECORDS, delayMs: 800, times: 4 });
    let err = await failure(api.getTxt(ZONE, NAME));
    assert.ok(err instanceof NetworkError);
    assert.match(toUserLine(err), new RegExp(`^acme-godaddy: cannot reach ${host.replace(/\./g, '\\.')} for GoDaddy read of TXT records _acme-challenge in example\\.test: no answer within 0\\.3 s \\(ACME_GODADDY_HTTP_TIMEOUT\\) \\(gave up after 4 attempts in \\d\\.\\d s\\) \\(hint: check network access to the GoDaddy API \\(proxy, firewall, DNS\\) and GODADDY_API_URL\\)$`));

    sim.injectFault({ method: 'PUT', path: RECORDS, drop: true, times: 4 });
    err = await failure(api.putTxt(ZONE, NAME, [{ data: 'v', ttl: 600 }]));
    assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
    assert.match(err.message, new RegExp(`^cannot reach ${host.replace(/\./g, '\\.')} for GoDaddy write of TXT records _acme-challenge in example\\.test: connection closed by the server before it answered \\(UND_ERR_SOCKET\\) \\(gave up after 4 attempts in \\d\\.\\d s\\)$`));
  });

  it('connection refused names the host and the error; retried 3 times', T, async (t) => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const api = new GoDaddyClient({ baseUrl: new URL(`http://127.0.0.1:${port}`), key: new Secret('k'), secret: new Secret('s'), timeoutMs: 1000, retry: FAST });
    t.after(() => api.close());
    const started = Date.now();
    const err = await failure(api.deleteTxt(ZONE, NAME));
    assert.ok(Date.now() - started >= 50 + 100 + 200, 'backed off between attempts');
    assert.match(err.message, new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port} for GoDaddy delete of TXT records _acme-challenge in example\\.test: connection refused \\(ECONNREFUSED\\) \\(gave up after 4 attempts in \\d\\.\\d s\\)$`));
  });
});

describe('GoDaddy client: https:// to a server that does not speak TLS', () => {
  it('plain HTTP behind an https:// URL: one connection, no retry, the line says so and the hint says http:// for loopback', T, async (t) => {
    let connections = 0;
    const server = http.createServer((_req, res) => res.end('[]'));
    server.on('connection', () => { connections++; });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as net.AddressInfo).port;
    const api = new GoDaddyClient({ baseUrl: new URL(`https://127.0.0.1:${port}`), key: new Secret('k'), secret: new Secret('s'), timeoutMs: 1000, retry: FAST });
    t.after(() => api.close());
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
    assert.equal(toUserLine(err), `acme-godaddy: GoDaddy read of TXT records _acme-challenge in example.test failed: the server at 127.0.0.1:${port} did not answer with TLS (ERR_SSL_WRONG_VERSION_NUMBER) (hint: GODADDY_API_URL says https:// but 127.0.0.1:${port} speaks something else, probably plain HTTP; for a plain-HTTP server on loopback (such as the simulator) write http://127.0.0.1:${port})`);
    assert.equal(connections, 1, 'not retried');
  });
});

describe('GoDaddy client: other 4xx are not retried', () => {
  it('400, 401, 403, 404 UNKNOWN_DOMAIN and 422 each cost exactly one request', T, async (t) => {
    const { sim, api, make } = await setup(t, { accounts: [{ key: 'sim-key', secret: 'sim-secret' }, { key: 'locked-out', secret: 's2', restricted: true }] });
    const cases: Array<[() => Promise<unknown>, number, number, string]> = [
      [() => { sim.injectFault({ path: RECORDS, status: 400, body: { code: 'INVALID_BODY', message: 'Request body is not valid JSON' } }); return api.getTxt(ZONE, NAME); }, 400, ExitCode.UNAVAILABLE,
        'GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 400 INVALID_BODY: Request body is not valid JSON'],
      [() => make({ secret: new Secret('wrong') }).getTxt(ZONE, NAME), 401, ExitCode.NOPERM,
        'GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 401 UNABLE_TO_AUTHENTICATE: Unauthorized : Could not authenticate API key/secret'],
      [() => { sim.switches.restrictedSet = 'all'; return make({ key: new Secret('locked-out'), secret: new Secret('s2') }).getTxt(ZONE, NAME); }, 403, ExitCode.NOPERM,
        'GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 403 ACCESS_DENIED: Authenticated user is not allowed access'],
      [() => api.getTxt('sub.example.test', NAME), 404, ExitCode.DATA,
        'GoDaddy read of TXT records _acme-challenge in sub.example.test failed: HTTP 404 UNKNOWN_DOMAIN: The given domain is not registered, or does not have a zone file'],
      [() => api.putTxt(ZONE, NAME, [{ data: 'ok-value', ttl: 600 }, { data: 'old-leftover', ttl: 300 }]), 422, ExitCode.UNAVAILABLE,
        'GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 422 INVALID_BODY: Request body doesn\'t fulfill schema, see details in `fields` [records[1].ttl UNKNOWN_RESTRICTION: must have a minimum value of 600 (value "old-leftover", 12 characters, ttl 300)]'],
    ];
    for (const [call, status, exit, message] of cases) {
      const mark = sim.requests.length;
      const err = await failure(call());
      assert.equal(sim.requests.length - mark, 1, `${status}: one request`);
      assert.ok(err instanceof GoDaddyApiError);
      assert.equal(err.status, status);
      assert.equal(err.exitCode, exit, `${status} exit code`);
      assert.equal(err.message, message);
    }
  });
});

describe('GoDaddy client: answers GoDaddy does not give (a wrong GODADDY_API_URL, a proxy)', () => {
  const URL_HINT = 'GODADDY_API_URL must be the API host only (https://api.godaddy.com, or https://api.ote-godaddy.com for OTE), without /v1; a proxy in between can also answer like this';
  const ODD_HINT = 'an answer GoDaddy does not give to the requests acme-godaddy sends; check GODADDY_API_URL, rerun with --verbose, and report it if it persists';
  it('404 NOT_FOUND, 418, and 200 bodies that are not a list of TXT records: one request each, one line with a hint, exit 69', T, async (t) => {
    const { sim, api } = await setup(t);
    const cases: Array<[{ status: number; body: unknown }, string]> = [
      [{ status: 404, body: { code: 'NOT_FOUND', message: 'The requested resource was not found' } },
        `GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 404 NOT_FOUND: The requested resource was not found (hint: ${URL_HINT})`],
      [{ status: 418, body: 'teapot' },
        `GoDaddy read of TXT records _acme-challenge in example.test failed: HTTP 418 (hint: ${ODD_HINT})`],
      [{ status: 200, body: '<html>proxy login</html>' },
        `GoDaddy GET ${RECORDS} returned a body that is not JSON (hint: ${URL_HINT})`],
      [{ status: 200, body: { records: [] } },
        `GoDaddy GET ${RECORDS} returned something other than a list of records (hint: ${URL_HINT})`],
      [{ status: 200, body: [{ type: 'TXT', name: NAME }] },
        `GoDaddy GET ${RECORDS} returned a record without text data (item 0) (hint: ${URL_HINT})`],
      [{ status: 200, body: [{ type: 'A', name: NAME, data: '192.0.2.1' }] },
        `GoDaddy GET ${RECORDS} returned a record of type A, not TXT (hint: ${URL_HINT})`],
    ];
    for (const [fault, line] of cases) {
      const mark = sim.requests.length;
      sim.injectFault({ method: 'GET', path: RECORDS, ...fault });
      const err = await failure(api.getTxt(ZONE, NAME));
      assert.equal(sim.requests.length - mark, 1, `${line}: not retried`);
      assert.equal(err.exitCode, ExitCode.UNAVAILABLE);
      assert.equal(toUserLine(err), `acme-godaddy: ${line}`);
    }
  });

  it('GODADDY_API_URL ending in /v1: the 404 says so', T, async (t) => {
    const { sim, make } = await setup(t);
    const api = make({ baseUrl: new URL(`${sim.apiUrl}/v1`) });
    const err = await failure(api.getTxt(ZONE, NAME));
    assert.deepEqual(sim.requests.map((r) => `${r.path} ${r.status}`), [`/v1${RECORDS} 404`]);
    assert.equal(err.hint, URL_HINT);
  });
});

