// The simulated GoDaddy API at the HTTP level: plain fetch against a real listener on loopback.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type Sim, type SimOptions, startSim } from '../../src/sim/sim.js';

const T = { timeout: 10_000 };
const SCHEMA = "Request body doesn't fulfill schema, see details in `fields`";
const TXT = '/v1/domains/example.test/records/TXT';
const ACME = `${TXT}/_acme-challenge`;

/** A simulator closed after the test; rate limit raised so only the rate-limit tests hit it. */
async function sim(t: TestContext, opts: SimOptions = {}): Promise<Sim> {
  const s = await startSim({ rateLimit: { limit: 10_000, windowMs: 60_000 }, ...opts });
  t.after(() => s.close());
  return s;
}

interface Reply {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  raw?: string;
  /** null = no Authorization header; default = the first account. */
  auth?: string | null;
  headers?: Record<string, string>;
}

async function call(s: Sim, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const auth = opts.auth === undefined ? `sso-key ${s.key}:${s.secret}` : opts.auth;
  if (auth !== null) headers['Authorization'] = auth;
  let body = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(s.apiUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

const schemaError = (fields: { code: string; message: string; path: string }[]): unknown => ({
  code: 'INVALID_BODY',
  fields,
  message: SCHEMA,
});

describe('sim api: authentication and access (S2)', () => {
  it('answers 401 with the exact 98-byte body for missing, malformed or wrong credentials', T, async (t) => {
    const s = await sim(t);
    // Content-Length 98 as logged in certbot-dns-godaddy #49: unlike the other errors, no newline.
    const body = '{"code":"UNABLE_TO_AUTHENTICATE","message":"Unauthorized : Could not authenticate API key/secret"}';
    for (const auth of [null, 'Bearer sim-key', 'sso-key sim-key:wrong', 'sso-key  sim-key:sim-secret', 'sso-key sim-key: sim-secret']) {
      const r = await call(s, 'GET', ACME, { auth });
      assert.equal(r.status, 401, String(auth));
      assert.equal(r.text, body);
      assert.equal(r.headers.get('content-length'), '98');
      assert.equal(r.headers.get('content-type'), 'application/json');
    }
    assert.ok(s.requests.every((r) => r.key === undefined && r.status === 401));
    assert.ok(!JSON.stringify(s.requests).includes('sim-secret'), 'the log never holds the secret');
  });

  it('malformedAuth=400: a missing or malformed header gets 400; wrong credentials still get 401', T, async (t) => {
    const s = await sim(t, { switches: { malformedAuth: '400' } });
    for (const auth of [null, 'Bearer sim-key', 'sso-key  sim-key:sim-secret', 'sso-key sim key:sim-secret', 'sso-key sim-key: sim-secret']) {
      const r = await call(s, 'GET', ACME, { auth });
      assert.equal(r.status, 400, String(auth));
      assert.deepEqual(r.json, { code: 'MALFORMED_CREDENTIALS', message: 'Authorization header is not of the form sso-key <key>:<secret>' });
    }
    assert.equal((await call(s, 'GET', ACME, { auth: 'sso-key sim-key:wrong' })).status, 401);
    assert.equal((await call(s, 'GET', ACME)).status, 200);
    s.switches.malformedAuth = '401';
    assert.equal((await call(s, 'GET', ACME, { auth: 'sso-key sim key:sim-secret' })).status, 401);
  });

  it('denies a restricted account the wide endpoints but allows per-name _acme-challenge TXT', T, async (t) => {
    const s = await sim(t, { accounts: [{ key: 'small', secret: 'shop', restricted: true }] });
    const denied = '{"code":"ACCESS_DENIED","message":"Authenticated user is not allowed access"}\n';
    for (const [method, path] of [
      ['GET', '/v1/domains'],
      ['GET', '/v1/domains/example.test'],
      ['GET', '/v1/domains/example.test/records'],
      ['GET', TXT],
      ['GET', '/v1/domains/example.test/records/A/@'],
      ['PATCH', '/v1/domains/example.test/records'],
    ] as const) {
      const r = await call(s, method, path, method === 'PATCH' ? { body: [] } : {});
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.text, denied);
      assert.equal(r.headers.get('content-length'), '78');
    }
    assert.equal((await call(s, 'PUT', `${TXT}/_acme-challenge.www`, { body: [{ data: 'V', ttl: 600 }] })).status, 200);
    assert.deepEqual((await call(s, 'GET', `${TXT}/_acme-challenge.www`)).json, [{ data: 'V', name: '_acme-challenge.www', ttl: 600, type: 'TXT' }]);
    assert.equal((await call(s, 'DELETE', `${TXT}/_acme-challenge.www`)).status, 204);

    s.switches.restrictedSet = 'all';
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V', ttl: 600 }] })).status, 403);
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), []);
  });

  it('ignores an X-Shopper-Id naming the caller and denies one naming another shopper', T, async (t) => {
    const s = await sim(t, { accounts: [{ key: 'k', secret: 's', shopperId: '123' }] });
    assert.equal((await call(s, 'GET', ACME, { headers: { 'X-Shopper-Id': '123' } })).status, 200);
    assert.equal((await call(s, 'GET', ACME, { headers: { 'X-Shopper-Id': '456' } })).status, 403);
  });

  it("answers another account's domain with 404 UNKNOWN_DOMAIN, or 403 with the foreignDomain switch", T, async (t) => {
    const s = await sim(t);
    const unknown = '{"code":"UNKNOWN_DOMAIN","message":"The given domain is not registered, or does not have a zone file"}\n';
    assert.equal((await call(s, 'GET', '/v1/domains/notmine.test/records/TXT/_acme-challenge')).status, 404);
    assert.equal((await call(s, 'PUT', '/v1/domains/notmine.test/records/TXT/x', { body: [{ data: 'v' }] })).text, unknown);
    const detail = await call(s, 'GET', '/v1/domains/notmine.test');
    assert.equal(detail.status, 404);
    assert.equal(detail.text, '{"code":"NOT_FOUND","message":"Domain notmine.test not found for shopper"}\n');

    s.switches.foreignDomain = '403';
    const r = await call(s, 'GET', '/v1/domains/notmine.test/records/TXT/_acme-challenge');
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { code: 'ACCESS_DENIED', message: 'Authenticated user is not allowed access' });
    assert.equal((await call(s, 'GET', '/v1/domains/notmine.test')).status, 404, 'domain detail stays 404');
  });

  it('treats a subdomain or a zone-less domain as UNKNOWN_DOMAIN and a bad zone format as 422', T, async (t) => {
    const s = await sim(t, { domains: [{ domain: 'example.test' }, { domain: 'nozone.test', hasZone: false }] });
    for (const path of ['/v1/domains/www.example.test/records/TXT/_acme-challenge', '/v1/domains/nozone.test/records']) {
      const r = await call(s, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.json, { code: 'UNKNOWN_DOMAIN', message: 'The given domain is not registered, or does not have a zone file' });
    }
    assert.equal((await call(s, 'GET', '/v1/domains/nozone.test')).status, 200);
    const missing = await call(s, 'GET', '/v1/domains/thisisadomainidonotown.com');
    assert.equal(missing.headers.get('content-length'), '89', 'real NOT_FOUND length (LEX-CASS)');

    const format =
      '{"code":"INVALID_BODY","fields":[{"code":"MISMATCH_FORMAT","message":"does not conform to the \'domain\' format, based on pattern: /^[^.]{1,63}(\\\\.[^.]{1,63})+$/","path":"path.domain"}],"message":"Request body doesn\'t fulfill schema, see details in `fields`"}\n';
    for (const zone of ['com', 'example.test.']) {
      const r = await call(s, 'GET', `/v1/domains/${zone}/records/TXT/_acme-challenge`);
      assert.equal(r.status, 422, zone);
      assert.equal(r.text, format);
    }
  });

  it('answers unknown routes and methods with 404 NOT_FOUND', T, async (t) => {
    const s = await sim(t);
    for (const [method, path] of [['GET', '/v1/shoppers'], ['POST', ACME], ['DELETE', TXT], ['GET', '/v2/domains']] as const) {
      const r = await call(s, method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.deepEqual(r.json, { code: 'NOT_FOUND', message: 'The requested resource was not found' });
    }
  });
});

describe('sim api: domains (S3)', () => {
  it('lists the caller\'s domains with statuses, marker, limit and includes=nameServers', T, async (t) => {
    const s = await sim(t);
    const names = (r: Reply): unknown => (r.json as { domain: string }[]).map((d) => d.domain);
    const all = await call(s, 'GET', '/v1/domains');
    assert.deepEqual(names(all), ['elsewhere.test', 'example.test', 'other.test']);
    assert.ok(!('nameServers' in ((all.json as object[])[0] as object)));
    const withNs = (await call(s, 'GET', '/v1/domains?statuses=ACTIVE&includes=nameServers')).json as { nameServers: string[] }[];
    assert.deepEqual(withNs.map((d) => d.nameServers), [['ns1.other-dns.test'], ['ns1.domaincontrol.test', 'ns2.domaincontrol.test'], ['ns1.domaincontrol.test', 'ns2.domaincontrol.test']]);
    assert.deepEqual(names(await call(s, 'GET', '/v1/domains?statuses=CANCELLED')), []);
    assert.deepEqual(names(await call(s, 'GET', '/v1/domains?marker=example.test')), ['other.test']);
    assert.deepEqual(names(await call(s, 'GET', '/v1/domains?limit=1')), ['elsewhere.test']);
    const tooMany = await call(s, 'GET', '/v1/domains?limit=1001');
    assert.equal(tooMany.status, 422);
    assert.deepEqual(tooMany.json, { code: 'INVALID_BODY', message: 'Limit must have a value no greater than 1000' });
  });

  it('returns a DomainDetail with every required field and the delegated nameservers', T, async (t) => {
    const s = await sim(t);
    const r = await call(s, 'GET', '/v1/domains/Example.Test');
    assert.equal(r.status, 200);
    const detail = r.json as Record<string, unknown>;
    for (const field of ['domainId', 'domain', 'status', 'expirationProtected', 'holdRegistrar', 'locked', 'privacy', 'renewAuto', 'renewDeadline', 'transferProtected', 'createdAt', 'authCode', 'nameServers', 'contactAdmin', 'contactBilling', 'contactRegistrant', 'contactTech']) {
      assert.ok(field in detail, field);
    }
    assert.equal(detail['status'], 'ACTIVE');
    assert.deepEqual(detail['nameServers'], ['ns1.domaincontrol.test', 'ns2.domaincontrol.test']);
    const elsewhere = (await call(s, 'GET', '/v1/domains/elsewhere.test')).json as Record<string, unknown>;
    assert.deepEqual(elsewhere['nameServers'], ['ns1.other-dns.test']);
  });
});

describe('sim api: records (S3, S5, S9)', () => {
  it('S9.1: an empty name GETs as 200 [], a PUT answers 200 with an empty body, the GET shows it', T, async (t) => {
    const s = await sim(t);
    const empty = await call(s, 'GET', ACME);
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '[]\n');
    assert.equal(empty.headers.get('content-length'), '3');
    const put = await call(s, 'PUT', ACME, { body: [{ data: 'V', ttl: 600 }] });
    assert.equal(put.status, 200);
    assert.equal(put.text, '');
    assert.equal(put.headers.get('content-length'), '0');
    assert.equal(put.headers.get('content-type'), null);
    assert.equal((await call(s, 'GET', ACME)).text, '[{"data":"V","name":"_acme-challenge","ttl":600,"type":"TXT"}]\n');
  });

  it('S9.2: wildcard plus apex keeps both values, cleanup PUTs the rest, then DELETEs with 204', T, async (t) => {
    const s = await sim(t);
    await call(s, 'PUT', ACME, { body: [{ data: 'V1', ttl: 600 }] });
    await call(s, 'PUT', ACME, { body: [{ data: 'V1', ttl: 600 }, { data: 'V2', ttl: 600 }] });
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V1', 'V2']);
    await call(s, 'PUT', ACME, { body: [{ data: 'V2', ttl: 600 }] });
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V2']);
    const del = await call(s, 'DELETE', ACME);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), []);
    assert.deepEqual(s.txt('example.test', '@'), ['v=spf1 include:secureserver.net -all'], 'other names untouched');
  });

  it('S9.3: returns legacy placeholder values as stored', T, async (t) => {
    const s = await sim(t);
    s.setTxt('example.test', '_acme-challenge', ['', ' ']);
    assert.equal((await call(s, 'GET', ACME)).text, '[{"data":"","name":"_acme-challenge","ttl":600,"type":"TXT"},{"data":" ","name":"_acme-challenge","ttl":600,"type":"TXT"}]\n');
  });

  it('S9.4: DELETE of an empty name is 404 NOT_FOUND, or 204 with deleteMissing=204', T, async (t) => {
    const s = await sim(t);
    const r = await call(s, 'DELETE', ACME);
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 'NOT_FOUND', message: 'No TXT records found for name _acme-challenge' });
    s.switches.deleteMissing = '204';
    assert.equal((await call(s, 'DELETE', ACME)).status, 204);
  });

  it('lists the whole zone grouped by type, in the real shape, with GoDaddy headers', T, async (t) => {
    const s = await sim(t);
    const r = await call(s, 'GET', '/v1/domains/example.test/records');
    assert.equal(
      r.text,
      '[{"data":"192.0.2.10","name":"@","ttl":600,"type":"A"},{"data":"192.0.2.11","name":"@","ttl":600,"type":"A"},' +
        '{"data":"ns1.domaincontrol.test","name":"@","ttl":3600,"type":"NS"},{"data":"ns2.domaincontrol.test","name":"@","ttl":3600,"type":"NS"},' +
        '{"data":"_domainconnect.gd.domaincontrol.test","name":"_domainconnect","ttl":3600,"type":"CNAME"},{"data":"@","name":"www","ttl":3600,"type":"CNAME"},' +
        '{"data":"v=spf1 include:secureserver.net -all","name":"@","ttl":3600,"type":"TXT"}]\n',
    );
    assert.equal(r.headers.get('cache-control'), 'max-age=0, no-cache, no-store');
    assert.equal(r.headers.get('pragma'), 'no-cache');
    const again = await call(s, 'GET', '/v1/domains/example.test/records');
    assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(r.headers.get('x-request-id'), again.headers.get('x-request-id'));
    assert.equal(s.requests[0]?.requestId, r.headers.get('x-request-id'));
  });

  it('GETs one type across names with or without a trailing slash', T, async (t) => {
    const s = await sim(t);
    s.setTxt('example.test', '_acme-challenge', ['V']);
    for (const path of [TXT, `${TXT}/`]) {
      assert.deepEqual((await call(s, 'GET', path)).json, [
        { data: 'v=spf1 include:secureserver.net -all', name: '@', ttl: 3600, type: 'TXT' },
        { data: 'V', name: '_acme-challenge', ttl: 600, type: 'TXT' },
      ]);
    }
  });

  it('rejects types outside the enum of each method with 422 at path.type', T, async (t) => {
    const s = await sim(t);
    const del = await call(s, 'DELETE', '/v1/domains/example.test/records/NS/@');
    assert.equal(del.status, 422);
    assert.deepEqual(del.json, schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'must be one of: A, AAAA, CNAME, MX, SRV, TXT', path: 'path.type' }]));
    assert.equal((await call(s, 'GET', '/v1/domains/example.test/records/CAA/@')).status, 422);
    assert.equal((await call(s, 'GET', '/v1/domains/example.test/records/txt/@')).status, 422);
    assert.equal(s.records('example.test').filter((r) => r.type === 'NS').length, 2);
  });

  it('PATCH appends and refuses an identical record with DUPLICATE_RECORD', T, async (t) => {
    const s = await sim(t);
    const rec = { type: 'TXT', name: '_acme-challenge', data: 'V', ttl: 600 };
    assert.equal((await call(s, 'PATCH', '/v1/domains/example.test/records', { body: [rec] })).status, 200);
    const dup = await call(s, 'PATCH', '/v1/domains/example.test/records', { body: [rec] });
    assert.equal(dup.status, 422);
    assert.equal(dup.text, '{"code":"DUPLICATE_RECORD","message":"Another record with the same attributes already exists"}\n');
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V']);
  });

  it('PUT of a whole type needs names and wipes every record of that type (SPF included)', T, async (t) => {
    const s = await sim(t);
    const missing = await call(s, 'PUT', TXT, { body: [{ data: 'V' }] });
    assert.deepEqual(missing.json, schemaError([{ code: 'MISSING_REQUIRED', message: 'is required', path: 'records[0].name' }]));
    assert.equal((await call(s, 'PUT', TXT, { body: [{ name: '_acme-challenge', data: 'V' }] })).status, 200);
    assert.deepEqual(s.records('example.test').filter((r) => r.type === 'TXT'), [{ type: 'TXT', name: '_acme-challenge', data: 'V', ttl: 3600 }]);
  });

  it('PUT of the whole zone rejects CAA and "Parked" data with INVALID_RECORDS and otherwise replaces it', T, async (t) => {
    const s = await sim(t);
    const parked = await call(s, 'PUT', '/v1/domains/example.test/records', { body: [{ type: 'A', name: '@', data: 'Parked', ttl: 600 }] });
    assert.equal(parked.status, 422);
    assert.equal(
      parked.text,
      '{"code":"INVALID_RECORDS","errors":["Invalid [ipaddress] provided for record data, [Parked]."],"fields":[{"code":"INVALID_RECORDS","message":"Invalid [ipaddress] provided for record data, [Parked].","path":"records"}],"message":"One or more of the given records is invalid"}\n',
    );
    const caa = await call(s, 'PUT', '/v1/domains/example.test/records', { body: [{ type: 'CAA', name: '@', data: '0 issue "x"' }] });
    assert.equal((caa.json as { code: string }).code, 'INVALID_RECORDS');
    assert.equal((await call(s, 'PUT', '/v1/domains/example.test/records', { body: [{ type: 'A', name: '@', data: '192.0.2.99', ttl: 600 }] })).status, 200);
    assert.deepEqual(s.records('example.test'), [{ type: 'A', name: '@', data: '192.0.2.99', ttl: 600 }]);
  });
});

describe('sim api: body validation (S4)', () => {
  const cases: { name: string; body?: unknown; raw?: string; status: number; expected: unknown }[] = [
    {
      name: 'a body that is not an array',
      body: { data: 'V' },
      status: 422,
      expected: schemaError([{ code: 'UNEXPECTED_TYPE', message: 'is not a array', path: 'records' }]),
    },
    {
      name: 'ttl below 600',
      body: [{ data: 'V', ttl: 300 }],
      status: 422,
      expected: schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'must have a minimum value of 600', path: 'records[0].ttl' }]),
    },
    {
      name: 'ttl above 604800 on the second element',
      body: [{ data: 'V', ttl: 600 }, { data: 'W', ttl: 604801 }],
      status: 422,
      expected: schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'must have a maximum value of 604800', path: 'records[1].ttl' }]),
    },
    {
      name: 'ttl as a string',
      body: [{ data: 'V', ttl: '600' }],
      status: 422,
      expected: schemaError([{ code: 'UNEXPECTED_TYPE', message: 'is not a integer', path: 'records[0].ttl' }]),
    },
    {
      name: 'missing data and data of the wrong type',
      body: [{ ttl: 600 }, { data: 5 }, 'x'],
      status: 422,
      expected: schemaError([
        { code: 'MISSING_REQUIRED', message: 'is required', path: 'records[0].data' },
        { code: 'UNEXPECTED_TYPE', message: 'is not a string', path: 'records[1].data' },
        { code: 'UNEXPECTED_TYPE', message: 'is not a object', path: 'records[2]' },
      ]),
    },
    {
      name: 'TXT data over 512 characters',
      body: [{ data: 'x'.repeat(513) }],
      status: 422,
      expected: {
        code: 'INVALID_RECORDS',
        errors: ['Invalid [length] provided for record data, must be 512 characters or less.'],
        fields: [{ code: 'INVALID_RECORDS', message: 'Invalid [length] provided for record data, must be 512 characters or less.', path: 'records' }],
        message: 'One or more of the given records is invalid',
      },
    },
    { name: 'a body that is not JSON', raw: '[{"data":', status: 400, expected: { code: 'INVALID_BODY', message: 'Request body is not valid JSON' } },
    { name: 'no body at all', status: 400, expected: { code: 'INVALID_BODY', message: 'Request body is not valid JSON' } },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, T, async (t) => {
      const s = await sim(t);
      const r = await call(s, 'PUT', ACME, { ...(c.body === undefined ? {} : { body: c.body }), ...(c.raw === undefined ? {} : { raw: c.raw }) });
      assert.equal(r.status, c.status);
      assert.deepEqual(r.json, c.expected);
      assert.ok(r.text.endsWith('}\n'));
      assert.deepEqual(s.txt('example.test', '_acme-challenge'), []);
    });
  }

  it('accepts 512-character TXT data, unknown keys, and stores a missing ttl as 3600', T, async (t) => {
    const s = await sim(t);
    const long = 'y'.repeat(512);
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: long, ttl: 600, comment: 'ignored' }, { data: 'short' }] })).status, 200);
    assert.deepEqual(
      s.records('example.test').filter((r) => r.name === '_acme-challenge'),
      [
        { type: 'TXT', name: '_acme-challenge', data: long, ttl: 600 },
        { type: 'TXT', name: '_acme-challenge', data: 'short', ttl: 3600 },
      ],
    );
  });
});

describe('sim api: switches', () => {
  it('emptyPutArray: reject answers 422, ignore answers 200 and changes nothing; neither deletes', T, async (t) => {
    const s = await sim(t);
    s.setTxt('example.test', '_acme-challenge', ['keep']);
    const r = await call(s, 'PUT', ACME, { body: [] });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'must have a minimum of 1 items', path: 'records' }]));
    s.switches.emptyPutArray = 'ignore';
    assert.equal((await call(s, 'PUT', ACME, { body: [] })).status, 200);
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['keep']);
  });

  it('bodyNameMismatch: ignore stores under the path, reject answers 422 naming both fields', T, async (t) => {
    const s = await sim(t);
    const body = [{ type: 'A', name: 'elsewhere', data: 'V', ttl: 600 }];
    assert.equal((await call(s, 'PUT', ACME, { body })).status, 200);
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V']);
    s.switches.bodyNameMismatch = 'reject';
    const r = await call(s, 'PUT', ACME, { body });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, schemaError([
      { code: 'UNKNOWN_RESTRICTION', message: 'must match the type in the path (TXT)', path: 'records[0].type' },
      { code: 'UNKNOWN_RESTRICTION', message: 'must match the name in the path (_acme-challenge)', path: 'records[0].name' },
    ]));
    assert.equal((await call(s, 'PUT', ACME, { body: [{ type: 'TXT', name: '_acme-challenge', data: 'W', ttl: 600 }] })).status, 200);
  });

  it('offsetMode: page reads offset as a 1-based page, skip as a record count', T, async (t) => {
    const s = await sim(t);
    s.setTxt('example.test', 'multi', ['v0', 'v1', 'v2', 'v3', 'v4']);
    const data = async (query: string): Promise<unknown> =>
      ((await call(s, 'GET', `${TXT}/multi${query}`)).json as { data: string }[]).map((r) => r.data);
    assert.deepEqual(await data('?limit=2&offset=1'), ['v0', 'v1']);
    assert.deepEqual(await data('?limit=2&offset=3'), ['v4']);
    assert.deepEqual(await data('?limit=2'), ['v0', 'v1']);
    s.switches.offsetMode = 'skip';
    assert.deepEqual(await data('?limit=2&offset=1'), ['v1', 'v2']);
    assert.deepEqual(await data('?limit=2&offset=3'), ['v3', 'v4']);
    assert.deepEqual(await data('?limit=9999'), ['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('pastLastPage: empty answers [], 422 refuses', T, async (t) => {
    const s = await sim(t);
    s.setTxt('example.test', 'multi', ['v0', 'v1']);
    const past = `${TXT}/multi?limit=2&offset=2`;
    assert.equal((await call(s, 'GET', past)).text, '[]\n');
    s.switches.pastLastPage = '422';
    const r = await call(s, 'GET', past);
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'is past the last page of results', path: 'query.offset' }]));
    assert.equal((await call(s, 'GET', `${TXT}/multi?limit=2&offset=1`)).status, 200);
  });

  it('nameCase: sensitive keeps _ACME-challenge apart, insensitive treats it as _acme-challenge', T, async (t) => {
    const s = await sim(t);
    await call(s, 'PUT', `${TXT}/_ACME-challenge`, { body: [{ data: 'upper', ttl: 600 }] });
    assert.equal((await call(s, 'GET', ACME)).text, '[]\n');
    s.switches.nameCase = 'insensitive';
    assert.deepEqual((await call(s, 'GET', ACME)).json, [{ data: 'upper', name: '_ACME-challenge', ttl: 600, type: 'TXT' }]);
    await call(s, 'PUT', ACME, { body: [{ data: 'lower', ttl: 600 }] });
    assert.deepEqual(s.records('example.test').filter((r) => r.type === 'TXT' && r.name !== '@').map((r) => [r.name, r.data]), [['_acme-challenge', 'lower']]);
  });

  it('duplicateInPut: reject answers DUPLICATE_RECORD, collapse stores one', T, async (t) => {
    const s = await sim(t);
    const body = [{ data: 'V', ttl: 600 }, { data: 'V', ttl: 600 }];
    const r = await call(s, 'PUT', ACME, { body });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, { code: 'DUPLICATE_RECORD', message: 'Another record with the same attributes already exists' });
    s.switches.duplicateInPut = 'collapse';
    assert.equal((await call(s, 'PUT', ACME, { body })).status, 200);
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V']);
  });

  it('trailingDotName: reject answers 422 MISMATCH_FORMAT, literal stores the name as sent', T, async (t) => {
    const s = await sim(t);
    const path = `${TXT}/_acme-challenge.example.test.`;
    const r = await call(s, 'PUT', path, { body: [{ data: 'V', ttl: 600 }] });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, schemaError([{ code: 'MISMATCH_FORMAT', message: 'does not conform to the record name format', path: 'path.name' }]));
    s.switches.trailingDotName = 'literal';
    assert.equal((await call(s, 'PUT', path, { body: [{ data: 'V', ttl: 600 }] })).status, 200);
    assert.deepEqual(s.txt('example.test', '_acme-challenge.example.test.'), ['V']);
  });

  it('protection: conflict409 refuses writes to a locked domain, storeEmpty says 200 and stores ""', T, async (t) => {
    const s = await sim(t, { domains: [{ domain: 'locked.test', locked: true, records: [{ type: 'TXT', name: 'x', data: 'old', ttl: 600 }] }] });
    const path = '/v1/domains/locked.test/records/TXT/_acme-challenge';
    const inactive = '{"code":"INACTIVE_DOMAIN","message":"The given domain is not eligible to have its records changed"}\n';
    assert.equal((await call(s, 'PUT', path, { body: [{ data: 'V', ttl: 600 }] })).text, inactive);
    const del = await call(s, 'DELETE', '/v1/domains/locked.test/records/TXT/x');
    assert.equal(del.status, 409);
    assert.equal(del.text, inactive);
    s.switches.protection = 'storeEmpty';
    assert.equal((await call(s, 'PUT', path, { body: [{ data: 'V', ttl: 600 }] })).status, 200);
    assert.deepEqual(s.txt('locked.test', '_acme-challenge'), ['']);
  });

  it('missingTtl, maxTtl, txtMaxLength and invalidJsonStatus take their configured values', T, async (t) => {
    const s = await sim(t, { switches: { missingTtl: 600, maxTtl: 86400, txtMaxLength: 1000, invalidJsonStatus: 422 } });
    await call(s, 'PUT', ACME, { body: [{ data: 'x'.repeat(900) }] });
    assert.deepEqual(s.records('example.test').find((r) => r.name === '_acme-challenge'), { type: 'TXT', name: '_acme-challenge', data: 'x'.repeat(900), ttl: 600 });
    const tooLong = await call(s, 'PUT', ACME, { body: [{ data: 'V', ttl: 86401 }] });
    assert.deepEqual(tooLong.json, schemaError([{ code: 'UNKNOWN_RESTRICTION', message: 'must have a maximum value of 86400', path: 'records[0].ttl' }]));
    assert.equal((await call(s, 'PUT', ACME, { raw: 'nope' })).status, 422);
  });
});

describe('sim api: rate limits, faults and lag (S1, S6, S7)', () => {
  it('window mode: 429 with retryAfterSec and Retry-After per (key, route), freeing as the window slides', T, async (t) => {
    let now = 1_000_000;
    const s = await sim(t, { now: () => now, rateLimit: { limit: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) assert.equal((await call(s, 'GET', ACME)).status, 200);
    const limited = await call(s, 'GET', `${TXT}/other-name`);
    assert.equal(limited.status, 429, 'the bucket is the route template, not the path');
    assert.equal(limited.text, '{"code":"TOO_MANY_REQUESTS","message":"Too many requests received within interval","retryAfterSec":60}\n');
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V' }] })).status, 200, 'another route has its own bucket');
    now += 20_500;
    assert.deepEqual((await call(s, 'GET', ACME)).json, { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval', retryAfterSec: 40 });
    now += 39_500;
    for (let i = 0; i < 3; i++) assert.equal((await call(s, 'GET', ACME)).status, 200, '429s did not count: a full window again');

    s.switches.retryAfterHeader = false;
    s.switches.retryAfterBody = false;
    const bare = await call(s, 'GET', ACME);
    assert.equal(bare.status, 429);
    assert.equal(bare.headers.get('retry-after'), null);
    assert.deepEqual(bare.json, { code: 'TOO_MANY_REQUESTS', message: 'Too many requests received within interval' });
  });

  it('quota mode: 429 QUOTA_EXCEEDED without Retry-After until resetRateLimits()', T, async (t) => {
    let now = 0;
    const s = await sim(t, { now: () => now, rateLimit: { limit: 2, windowMs: 1000 }, switches: { rateLimitMode: 'quota' } });
    await call(s, 'GET', '/v1/domains');
    await call(s, 'GET', '/v1/domains');
    now += 3_600_000;
    const r = await call(s, 'GET', '/v1/domains');
    assert.equal(r.status, 429);
    assert.equal(r.text, '{"code":"QUOTA_EXCEEDED","message":"rate limit exceeded"}\n');
    assert.equal(r.headers.get('retry-after'), null);
    assert.equal((await call(s, 'GET', ACME)).status, 200, 'other endpoints keep working');
    s.resetRateLimits();
    assert.equal((await call(s, 'GET', '/v1/domains')).status, 200);
  });

  it('injected faults: status with body and headers, times, path RegExp, then normal service', T, async (t) => {
    const s = await sim(t);
    s.injectFault({ method: 'PUT', path: ACME, status: 500, body: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    s.injectFault({ path: /\/records\/TXT\//, status: 504, body: 'gateway timeout', headers: { 'Retry-After': '1' }, times: 2 });
    const first = await call(s, 'PUT', ACME, { body: [{ data: 'V' }] });
    assert.equal(first.status, 500);
    assert.equal(first.text, '{"code":"INTERNAL_SERVER_ERROR","message":"Internal server error"}\n');
    for (let i = 0; i < 2; i++) {
      const r = await call(s, 'GET', ACME);
      assert.equal(r.status, 504);
      assert.equal(r.text, 'gateway timeout');
      assert.equal(r.headers.get('retry-after'), '1');
    }
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V' }] })).status, 200);
    assert.deepEqual(s.requests.map((r) => [r.status, r.fault ?? false]), [[500, true], [504, true], [504, true], [200, false]]);
  });

  it('injected faults: a dropped connection and an added delay', T, async (t) => {
    const s = await sim(t);
    s.injectFault({ path: ACME, drop: true });
    await assert.rejects(call(s, 'GET', ACME), TypeError);
    assert.deepEqual(s.requests.at(-1)?.status, 0);
    s.injectFault({ path: ACME, delayMs: 150 });
    const started = performance.now();
    assert.equal((await call(s, 'GET', ACME)).status, 200);
    assert.ok(performance.now() - started >= 140);
  });

  it('apiLatencyMs delays every response', T, async (t) => {
    const s = await sim(t, { apiLatencyMs: [80, 120] });
    const started = performance.now();
    await call(s, 'GET', ACME);
    assert.ok(performance.now() - started >= 75);
  });

  it('busyAfterWriteMs: writes within the window get 409, reads do not, and it clears', T, async (t) => {
    let now = 5_000;
    const s = await sim(t, { now: () => now, busyAfterWriteMs: 1000 });
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V1' }] })).status, 200);
    const busy = await call(s, 'PUT', ACME, { body: [{ data: 'V2' }] });
    assert.equal(busy.status, 409);
    assert.deepEqual(busy.json, { code: '', message: 'The zone is being updated by another request; try again later' });
    assert.equal((await call(s, 'DELETE', ACME)).status, 409);
    assert.equal((await call(s, 'GET', ACME)).status, 200);
    now += 1000;
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V2' }] })).status, 200);
    assert.deepEqual(s.txt('example.test', '_acme-challenge'), ['V2']);
  });

  it('maxTxtPerName: 0 (default) takes any number of values at a name; N refuses a PUT of more with 422 INVALID_RECORDS', T, async (t) => {
    const s = await sim(t);
    const many = Array.from({ length: 40 }, (_, i) => ({ data: `v${i}`, ttl: 600 }));
    assert.equal((await call(s, 'PUT', ACME, { body: many })).status, 200);
    assert.equal(s.txt('example.test', '_acme-challenge').length, 40);
    s.switches.maxTxtPerName = 3;
    const refused = await call(s, 'PUT', ACME, { body: many.slice(0, 4) });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.json, {
      code: 'INVALID_RECORDS', errors: ['Too many records: a name may hold at most 3 TXT records'],
      fields: [{ code: 'INVALID_RECORDS', message: 'Too many records: a name may hold at most 3 TXT records', path: 'records' }],
      message: 'One or more of the given records is invalid',
    });
    assert.equal(s.txt('example.test', '_acme-challenge').length, 40, 'nothing changed');
    assert.equal((await call(s, 'PUT', ACME, { body: many.slice(0, 3) })).status, 200);
  });

  it('busyAnswer=422: a busy zone answers 422 "Resource is being used in another request" instead of 409', T, async (t) => {
    let now = 5_000;
    const s = await sim(t, { now: () => now, busyAfterWriteMs: 1000, switches: { busyAnswer: '422' } });
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V1' }] })).status, 200);
    const busy = await call(s, 'PUT', ACME, { body: [{ data: 'V2' }] });
    assert.equal(busy.status, 422);
    assert.deepEqual(busy.json, { code: '', message: 'Resource is being used in another request' });
    now += 1000;
    assert.equal((await call(s, 'PUT', ACME, { body: [{ data: 'V2' }] })).status, 200);
  });

  it('apiReadLagMs: GETs right after a write show the old or the new RRset, later only the new', T, async (t) => {
    let now = 0;
    const s = await sim(t, { now: () => now, apiReadLagMs: 1000, seed: 42 });
    s.setTxt('example.test', '_acme-challenge', ['old']);
    now += 2000;
    await call(s, 'PUT', ACME, { body: [{ data: 'new', ttl: 600 }] });
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) seen.add(((await call(s, 'GET', ACME)).json as { data: string }[]).map((r) => r.data).join());
    assert.deepEqual([...seen].sort(), ['new', 'old']);
    now += 1000;
    for (let i = 0; i < 4; i++) assert.deepEqual((await call(s, 'GET', ACME)).json, [{ data: 'new', name: '_acme-challenge', ttl: 600, type: 'TXT' }]);
  });

  it('logs method, path, route template, status, key and body, never the secret', T, async (t) => {
    const s = await sim(t);
    await call(s, 'PUT', `${ACME}?x=1`, { body: [{ data: 'V', ttl: 600 }] });
    const [entry] = s.requests;
    assert.deepEqual(
      { ...entry, at: 0, requestId: '' },
      { at: 0, requestId: '', method: 'PUT', path: ACME, query: '?x=1', route: 'PUT /v1/domains/{domain}/records/{type}/{name}', status: 200, key: 'sim-key', body: [{ data: 'V', ttl: 600 }] },
    );
    assert.ok(!JSON.stringify(s.requests).includes(s.secret));
  });
});
