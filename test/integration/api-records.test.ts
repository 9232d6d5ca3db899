/**
 * Issue #4 items 4-7 through the real CLI against the simulator: restricted accounts, verified
 * writes (stale reads retried, real mismatches failing at once), odd leftovers at the name, and
 * every [unverified] API behaviour the hooks can observe, in both switch positions.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { SimOptions, SimRecord, SimRequest, SimSwitches } from '../../src/sim/sim.js';
import { runCli, validation, type CliResult } from '../support/cli.js';
import { lines, world, type World } from './api-support.js';

const ZONE = 'example.test';
const NAME = '_acme-challenge';
const R = `/v1/domains/${ZONE}/records/TXT/${NAME}`;
const FOREIGN = 'google-site-verification=abc123';

function hook(w: World, command: 'auth' | 'cleanup', value: string, extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli([command], {
    ...w.env, ACME_GODADDY_RUN_ID: 'run-1', CERTBOT_DOMAIN: ZONE, CERTBOT_VALIDATION: value, CERTBOT_REMAINING_CHALLENGES: '1', ...extra,
  });
}

function ok(r: CliResult, what: string): void {
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `${what}: ${r.stderr}`);
}

/** Wildcard + apex: two auths at one name, then both cleanups. Returns the two values. */
async function cycle(w: World, afterAuth?: (values: [string, string]) => void): Promise<[string, string]> {
  const values: [string, string] = [validation('wild'), validation('apex')];
  ok(await hook(w, 'auth', values[0]), 'auth 1');
  ok(await hook(w, 'auth', values[1]), 'auth 2');
  afterAuth?.(values);
  ok(await hook(w, 'cleanup', values[0]), 'cleanup 1');
  ok(await hook(w, 'cleanup', values[1]), 'cleanup 2');
  return values;
}

/** auth then cleanup of one value next to whatever is at the name. */
async function once(w: World): Promise<string> {
  const v = validation('one');
  ok(await hook(w, 'auth', v), 'auth');
  assert.ok(w.sim.txt(ZONE, NAME).includes(v));
  ok(await hook(w, 'cleanup', v), 'cleanup');
  assert.ok(!w.sim.txt(ZONE, NAME).includes(v));
  return v;
}

function puts(requests: readonly SimRequest[]): Array<Array<[string, number]>> {
  return requests.filter((r) => r.method === 'PUT' && r.status === 200)
    .map((r) => (r.body as Array<{ data: string; ttl: number }>).map((x) => [x.data, x.ttl] as [string, number]));
}

function txtRecords(w: World, name = NAME): Array<[string, number]> {
  return w.sim.records(ZONE).filter((r) => r.type === 'TXT' && r.name === name).map((r) => [r.data, r.ttl]);
}

function seed(w: World, name: string, records: Array<[string, number]>): void {
  const others = w.sim.records(ZONE).filter((r) => !(r.type === 'TXT' && r.name === name));
  w.sim.setRecords(ZONE, [...others, ...records.map(([data, ttl]): SimRecord => ({ type: 'TXT', name, data, ttl }))]);
}

describe('verified writes', { concurrency: true }, () => {
  it('apiReadLagMs: stale read-backs are read again (bounded) and the hooks succeed', async (t) => {
    const LAG = 1200;
    const w = await world(t, { apiReadLagMs: LAG, seed: 7 });
    w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
    // Each hook starts once the previous write is past the lag, so only the read-backs can be stale
    // (a stale read *before* a write is another matter: see README "GoDaddy API behaviour").
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, LAG + 100));
    const [v1, v2] = [validation('wild'), validation('apex')];
    const mark = w.sim.requests.length;
    for (const [command, value] of [['auth', v1], ['auth', v2], ['cleanup', v1], ['cleanup', v2]] as const) {
      await settle();
      ok(await hook(w, command, value), `${command} ${value.slice(0, 4)}`);
      if (command === 'auth') assert.ok(w.sim.txt(ZONE, NAME).includes(value));
    }
    assert.deepEqual(w.sim.txt(ZONE, NAME), [FOREIGN]);
    // Per write: its read-backs are the GETs before the next hook's GET (or the end).
    const seq = w.sim.requests.slice(mark).map((r) => r.method).join(' ');
    const readBacks = seq.split(/PUT|DELETE/).slice(1).map((s, i, all) => s.trim().split(' ').length - (i < all.length - 1 ? 1 : 0));
    t.diagnostic(`requests: ${seq}; read-backs per write: ${readBacks.join(', ')}`);
    assert.equal(readBacks.length, 4);
    assert.ok(readBacks.some((n) => n > 1), 'at least one stale read-back was read again');
    assert.ok(readBacks.every((n) => n >= 1 && n <= 5), 'at most 5 read-backs per write');
  });

  it('a write that another tool overwrote fails at once, naming what GoDaddy holds; no propagation wait', async (t) => {
    const w = await world(t);
    w.tap((r) => { if (r.method === 'PUT' && r.status === 200) w.sim.setTxt(ZONE, NAME, ['someone-elses-value'], 600); });
    const v = validation('lost');
    const r = await hook(w, 'auth', v, { CERTBOT_REMAINING_CHALLENGES: '0', ACME_GODADDY_PROPAGATION_TIMEOUT: '60' });
    assert.equal(r.code, 69);
    assert.equal(r.stderr, `acme-godaddy: GoDaddy accepted the write of _acme-challenge in example.test but reading it back shows it missing 1 value(s) we wrote; it holds someone-el… (hint: another tool changed this name at the same moment; run \`acme-godaddy reconcile\`, and keep other tools off _acme-challenge names)\n`);
    assert.ok(r.ms < 20_000, `failed at once (${r.ms} ms), not after the 60 s propagation timeout`);
    assert.deepEqual(lines(w.sim.requests), [`GET ${R} 200`, `PUT ${R} 200`, `GET ${R} 200`]);
  });

  it('a read-back that keeps showing the old RRset fails after 5 reads in about 3 s', async (t) => {
    const w = await world(t);
    w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
    w.tap((r) => { if (r.method === 'PUT' && r.status === 200) w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600); }); // the write "does not stick"
    const r = await hook(w, 'auth', validation('stuck'), { CERTBOT_REMAINING_CHALLENGES: '0', ACME_GODADDY_PROPAGATION_TIMEOUT: '60' });
    assert.equal(r.code, 69);
    assert.match(r.stderr, /^acme-godaddy: GoDaddy accepted the write of _acme-challenge in example\.test but reading it back 5 times in 3\.\d s shows it missing 1 value\(s\) we wrote; it holds google-sit… \(hint: GoDaddy keeps answering with the records as they were before the write; try again later; `acme-godaddy reconcile` finishes the job\)\n$/);
    assert.ok(r.ms < 20_000, `${r.ms} ms, not the 60 s propagation timeout`);
    assert.deepEqual(lines(w.sim.requests).map((l) => l.split(' ')[0]), ['GET', 'PUT', 'GET', 'GET', 'GET', 'GET', 'GET']);
  });
});

// The rest runs concurrently (each test has its own simulator and state directory).
describe('GoDaddy API through the hooks', { concurrency: 4 }, () => {
describe('restricted accounts (2024 rules): per-name TXT calls only', { concurrency: true }, () => {
  it('wildcard + apex issue and clean up on a restricted account (restrictedSet=default); a wide request by the same key is denied', async (t) => {
    const w = await world(t, { accounts: [{ key: 'restricted-key', secret: 'restricted-secret', restricted: true }] });
    w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
    const denied = await fetch(`${w.sim.apiUrl}/v1/domains/${ZONE}/records/TXT`, { headers: { authorization: 'sso-key restricted-key:restricted-secret' } });
    assert.equal(denied.status, 403, 'the account really is restricted');
    const mark = w.sim.requests.length;
    const [v1, v2] = [validation('wild'), validation('apex')];
    ok(await hook(w, 'auth', v1), 'auth 1');
    ok(await hook(w, 'auth', v2, { CERTBOT_REMAINING_CHALLENGES: '0' }), 'auth 2 (waits for propagation)');
    assert.deepEqual(w.sim.txt(ZONE, NAME).sort(), [FOREIGN, v1, v2].sort());
    ok(await hook(w, 'cleanup', v1), 'cleanup 1');
    ok(await hook(w, 'cleanup', v2), 'cleanup 2');
    assert.deepEqual(w.sim.txt(ZONE, NAME), [FOREIGN]);
    const made = w.sim.requests.slice(mark);
    assert.ok(made.every((r) => r.status < 400), lines(made).join('\n'));
    assert.deepEqual([...new Set(made.map((r) => r.route))].sort(), [
      'GET /v1/domains/{domain}/records/{type}/{name}',
      'PUT /v1/domains/{domain}/records/{type}/{name}',
    ]);
    assert.ok(made.every((r) => decodeURIComponent(r.path) === R));
  });
});

describe('existing records at the name', { concurrency: true }, () => {
  const LONG = `v=DKIM1; p=${'A'.repeat(501)}`; // 512 characters: GoDaddy's limit, several DNS strings
  const LEFTOVERS: Array<[string, number]> = [
    ['', 600], // placeholder from a pre-2021 "delete"
    [FOREIGN, 3600],
    ['legacy-ttl-300', 300], // TTL below today's minimum
    ['dup', 1800], ['dup', 1800], // the same value twice
    [' ', 3600], // blank placeholder
    [LONG, 600],
    ['quoted "text" with spaces and ünïcödé', 604800],
    ['ttl-above-max', 2_000_000],
  ];
  const KEPT: Array<[string, number]> = [
    [FOREIGN, 3600], ['legacy-ttl-300', 600], ['dup', 1800], [LONG, 600],
    ['quoted "text" with spaces and ünïcödé', 604800], ['ttl-above-max', 604800],
  ];

  it('odd leftovers survive a wildcard + apex cycle (duplicateInPut=reject): placeholders dropped, TTLs clamped to 600..604800, duplicates once', async (t) => {
    const w = await world(t, { switches: { duplicateInPut: 'reject' } });
    assert.equal(LONG.length, 512);
    seed(w, NAME, LEFTOVERS);
    const mark = w.sim.requests.length;
    const [v1, v2] = await cycle(w);
    assert.deepEqual(puts(w.sim.requests.slice(mark)), [
      [...KEPT, [v1, 600]],
      [...KEPT, [v1, 600], [v2, 600]],
      [...KEPT, [v2, 600]],
      KEPT,
    ]);
    assert.deepEqual(txtRecords(w), KEPT);
    assert.ok(w.sim.requests.slice(mark).every((r) => r.status < 400), lines(w.sim.requests, mark).join('\n'));
  });

  it('the same with duplicateInPut=collapse', async (t) => {
    const w = await world(t, { switches: { duplicateInPut: 'collapse' } });
    seed(w, NAME, LEFTOVERS);
    const mark = w.sim.requests.length;
    const v = await once(w);
    assert.deepEqual(puts(w.sim.requests.slice(mark)), [[...KEPT, [v, 600]], KEPT]);
    assert.deepEqual(txtRecords(w), KEPT);
  });

  it('other record types at the name and TXT records at other names are untouched by a whole cycle', async (t) => {
    const w = await world(t);
    const others: SimRecord[] = [
      { type: 'A', name: NAME, data: '192.0.2.7', ttl: 600 },
      { type: 'MX', name: NAME, data: 'mail.example.test', ttl: 3600, priority: 10 },
      { type: 'TXT', name: '@', data: 'v=spf1 -all', ttl: 3600 },
      { type: 'TXT', name: '_acme-challenge.www', data: 'another-names-value', ttl: 600 },
    ];
    w.sim.setRecords(ZONE, [...w.sim.records(ZONE), ...others]);
    const before = w.sim.records(ZONE).filter((r) => !(r.type === 'TXT' && r.name === NAME));
    await cycle(w);
    assert.deepEqual(w.sim.records(ZONE).filter((r) => !(r.type === 'TXT' && r.name === NAME)), before);
    for (const r of others) assert.ok(w.sim.records(ZONE).some((x) => JSON.stringify(x) === JSON.stringify(r)), `${r.type} ${r.name} kept`);
    assert.deepEqual(txtRecords(w), []);
  });

  it('only placeholders at the name: not re-sent, and the last cleanup DELETEs', async (t) => {
    const w = await world(t);
    seed(w, '_acme-challenge.www', [['', 600], [' ', 600], ['', 600]]);
    const v = validation('www');
    const env = { CERTBOT_DOMAIN: `www.${ZONE}` };
    ok(await hook(w, 'auth', v, env), 'auth');
    assert.deepEqual(txtRecords(w, '_acme-challenge.www'), [[v, 600]]);
    ok(await hook(w, 'cleanup', v, env), 'cleanup');
    assert.deepEqual(txtRecords(w, '_acme-challenge.www'), []);
    assert.deepEqual(lines(w.sim.requests).map((l) => l.split(' ')[0]), ['GET', 'PUT', 'GET', 'GET', 'DELETE', 'GET']);
  });
});

interface SwitchCase {
  name: string;
  switches: Partial<SimSwitches>;
  sim?: SimOptions;
  /** Runs the scenario and checks it; default: a wildcard + apex cycle next to a foreign value. */
  run?: (w: World, t: TestContext) => Promise<void>;
  check?: (w: World) => void;
}

const noQuery = (w: World): void => assert.ok(w.sim.requests.every((r) => r.query === ''), 'no offset/limit ever sent');
const noTrailingDot = (w: World): void => assert.ok(w.sim.requests.every((r) => !r.path.endsWith('.') && !r.path.endsWith('%2E')));
const neverEmptyPut = (w: World): void => assert.ok(!w.sim.requests.some((r) => r.method === 'PUT' && Array.isArray(r.body) && r.body.length === 0));
const ttlAlwaysSent = (w: World): void => assert.ok(w.sim.requests.filter((r) => r.method === 'PUT')
  .every((r) => (r.body as Array<{ ttl?: unknown }>).every((x) => typeof x.ttl === 'number')));

/** The last value's cleanup after someone else already emptied the name: DELETE finds nothing. */
async function deleteOnEmptyName(w: World, expectStatus: number): Promise<void> {
  const v = validation('gone');
  ok(await hook(w, 'auth', v), 'auth');
  const mark = w.sim.requests.length;
  // Right after the cleanup's GET (which still shows the value), another tool deletes the RRset.
  w.tap((r) => {
    if (r.method === 'GET') {
      w.sim.setTxt(ZONE, NAME, []);
      w.tap(undefined);
    }
  });
  ok(await hook(w, 'cleanup', v), 'cleanup');
  assert.deepEqual(lines(w.sim.requests, mark), [`GET ${R} 200`, `DELETE ${R} ${expectStatus}`, `GET ${R} 200`]);
}

/** Another client writes to the zone right after our GET, so our PUT meets a busy zone (S7). */
async function busyZone(w: World, busyStatus = 409): Promise<void> {
  w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
  const v = validation('busy');
  w.tap((r) => {
    if (r.method === 'GET') {
      w.tap(undefined);
      void fetch(`${w.sim.apiUrl}/v1/domains/${ZONE}/records/TXT/other`, {
        method: 'PUT', headers: { authorization: `sso-key ${w.sim.key}:${w.sim.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ data: 'x', ttl: 600 }]),
      });
    }
  });
  w.sim.injectFault({ method: 'PUT', path: R, delayMs: 300 }); // our first PUT lands after theirs
  ok(await hook(w, 'auth', v), 'auth');
  const ours = w.sim.requests.filter((r) => decodeURIComponent(r.path) === R && r.method === 'PUT').map((r) => r.status);
  assert.equal(ours[0], busyStatus, 'the first PUT met the busy zone');
  assert.equal(ours.at(-1), 200, 'a retry went through');
  assert.deepEqual(w.sim.txt(ZONE, NAME).sort(), [FOREIGN, v].sort());
}

/** Switches whose other position the hooks never meet (they send nothing that would trigger it). */
const UNREACHED: Partial<SimSwitches> = {
  emptyPutArray: 'ignore', bodyNameMismatch: 'reject', offsetMode: 'skip', pastLastPage: '422',
  trailingDotName: 'literal', missingTtl: 60, invalidJsonStatus: 422,
};
const unreachedChecks = (w: World): void => {
  neverEmptyPut(w);
  noQuery(w);
  noTrailingDot(w);
  ttlAlwaysSent(w);
  assert.ok(w.sim.requests.filter((r) => r.method === 'PUT').every((r) => Array.isArray(r.body)
    && (r.body as Array<{ name?: string; type?: string }>).every((x) => x.type === 'TXT' && decodeURIComponent(r.path).endsWith(`/${x.name}`))),
  'PUT bodies are JSON arrays whose name and type match the path');
};

const SWITCHES: SwitchCase[] = [
  {
    name: 'defaults (emptyPutArray=reject, bodyNameMismatch=ignore, offsetMode=page, pastLastPage=empty, trailingDotName=reject, missingTtl=3600, invalidJsonStatus=400)',
    switches: {}, check: unreachedChecks,
  },
  {
    name: 'the other positions at once (emptyPutArray=ignore, bodyNameMismatch=reject, offsetMode=skip, pastLastPage=422, trailingDotName=literal, missingTtl=60, invalidJsonStatus=422): nothing changes',
    switches: UNREACHED, check: unreachedChecks,
  },
  { name: 'deleteMissing=404: a DELETE that finds nothing counts as done', switches: { deleteMissing: '404' }, run: (w) => deleteOnEmptyName(w, 404) },
  { name: 'deleteMissing=204', switches: { deleteMissing: '204' }, run: (w) => deleteOnEmptyName(w, 204) },
  {
    name: 'nameCase=sensitive: a value at _ACME-Challenge is another RRset and is left alone',
    switches: { nameCase: 'sensitive' },
    run: async (w) => {
      seed(w, '_ACME-Challenge', [['upper-case-leftover', 3600]]);
      await once(w);
      assert.deepEqual(txtRecords(w, '_ACME-Challenge'), [['upper-case-leftover', 3600]]);
      assert.deepEqual(txtRecords(w), []);
    },
  },
  {
    name: 'nameCase=insensitive: the same value is part of our RRset and is kept',
    switches: { nameCase: 'insensitive' },
    run: async (w) => {
      seed(w, '_ACME-Challenge', [['upper-case-leftover', 3600]]);
      await once(w);
      assert.deepEqual(w.sim.txt(ZONE, NAME), ['upper-case-leftover']);
    },
  },
  {
    name: 'maxTtl=604800: a foreign TTL above it is lowered to 604800',
    switches: { maxTtl: 604800 },
    run: async (w) => {
      seed(w, NAME, [[FOREIGN, 9_999_999]]);
      await once(w);
      assert.deepEqual(txtRecords(w), [[FOREIGN, 604800]]);
    },
  },
  {
    name: 'maxTtl=86400: GoDaddy refuses a foreign 604800 TTL; one line with the field, nothing lost',
    switches: { maxTtl: 86400 },
    run: async (w) => {
      seed(w, NAME, [[FOREIGN, 604800]]);
      const r = await hook(w, 'auth', validation('ttl'));
      assert.equal(r.code, 69);
      assert.equal(r.stderr, 'acme-godaddy: GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 422 INVALID_BODY: Request body doesn\'t fulfill schema, see details in `fields` [records[0].ttl UNKNOWN_RESTRICTION: must have a maximum value of 86400 (value "google-site-verifica…", 31 characters, ttl 604800)] (hint: GoDaddy refused the data in the request (details in brackets); a PUT re-sends every value already at the name, so a value left by another tool that GoDaddy no longer accepts must be fixed in its DNS manager)\n');
      assert.deepEqual(txtRecords(w), [[FOREIGN, 604800]]);
    },
  },
  {
    name: 'txtMaxLength=1024: a 600-character leftover is sent back as it is (512: see api-errors)',
    switches: { txtMaxLength: 1024 },
    run: async (w) => {
      const long = 'L'.repeat(600);
      seed(w, NAME, [[long, 600]]);
      await once(w);
      assert.deepEqual(txtRecords(w), [[long, 600]]);
    },
  },
  {
    name: 'busyAfterWriteMs=1500 (S7): a PUT that meets a busy zone gets 409 and is retried after 1-1.5 s',
    switches: {},
    sim: { busyAfterWriteMs: 1500 },
    run: (w) => busyZone(w),
  },
  {
    name: 'busyAnswer=422 (a busy zone answers 422 "Resource is being used in another request"): retried like a 409',
    switches: { busyAnswer: '422' },
    sim: { busyAfterWriteMs: 1500 },
    run: (w) => busyZone(w, 422),
  },
  ...([0, 2] as const).map((max): SwitchCase => ({
    name: `maxTxtPerName=${max}: wildcard + apex next to a foreign value ${max === 0 ? 'issue' : 'fails on the third value with one line naming the limit; nothing lost'}`,
    switches: { maxTxtPerName: max },
    run: async (w) => {
      w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
      const [v1, v2] = [validation('wild'), validation('apex')];
      ok(await hook(w, 'auth', v1), 'auth 1');
      const second = await hook(w, 'auth', v2);
      if (max === 0) {
        ok(second, 'auth 2');
        assert.deepEqual(w.sim.txt(ZONE, NAME).sort(), [FOREIGN, v1, v2].sort());
        return;
      }
      assert.equal(second.code, 69);
      assert.equal(second.stderr, 'acme-godaddy: GoDaddy write of TXT records _acme-challenge in example.test failed: HTTP 422 INVALID_RECORDS: One or more of the given records is invalid [records INVALID_RECORDS: Too many records: a name may hold at most 2 TXT records] (hint: GoDaddy refused the data in the request (details in brackets); a PUT re-sends every value already at the name, so a value left by another tool that GoDaddy no longer accepts must be fixed in its DNS manager)\n');
      assert.deepEqual(w.sim.txt(ZONE, NAME).sort(), [FOREIGN, v1].sort(), 'the first value and the foreign one are still there');
      ok(await hook(w, 'cleanup', v1), 'cleanup 1');
      assert.deepEqual(w.sim.txt(ZONE, NAME), [FOREIGN]);
    },
  })),
  ...(['401', '400'] as const).map((position): SwitchCase => ({
    name: `malformedAuth=${position}: a key or secret that cannot make a well-formed header is refused before sending (exit 78); a wrong one gets 401`,
    switches: { malformedAuth: position },
    run: async (w) => {
      for (const [variable, value] of [['GODADDY_API_KEY', 'sim key'], ['GODADDY_API_KEY', 'sim:key'], ['GODADDY_API_SECRET', 'sim secret']] as const) {
        const r = await hook(w, 'auth', validation('hdr'), { [variable]: value });
        assert.equal(r.code, 78, r.stderr);
        assert.equal(r.stderr, `acme-godaddy: invalid configuration: ${variable === 'GODADDY_API_KEY' ? 'GODADDY_API_KEY contains a space, a colon or a control character' : 'GODADDY_API_SECRET contains a space or a control character'}; GoDaddy keys and secrets never do (hint: set the value alone, as developer.godaddy.com/keys shows it (nothing copied along with it))\n`);
        assert.ok(!r.stderr.includes(value), 'the value is not shown');
      }
      assert.deepEqual(w.sim.requests, [], 'nothing sent');
      const wrong = await hook(w, 'auth', validation('hdr'), { GODADDY_API_SECRET: 'wrong-secret' });
      assert.equal(wrong.code, 77);
      assert.deepEqual(lines(w.sim.requests), [`GET ${R} 401`]);
    },
  })),
];

describe('[unverified] API behaviours the hooks can observe, in both switch positions', { concurrency: 3 }, () => {
  for (const c of SWITCHES) {
    it(c.name, { timeout: 30_000 }, async (t) => {
      const w = await world(t, { ...c.sim, switches: c.switches });
      if (c.run) {
        await c.run(w, t);
      } else {
        w.sim.setTxt(ZONE, NAME, [FOREIGN], 3600);
        const [v1, v2] = await cycle(w, (values) => assert.deepEqual(w.sim.txt(ZONE, NAME).sort(), [FOREIGN, ...values].sort()));
        assert.deepEqual(w.sim.txt(ZONE, NAME), [FOREIGN]);
        assert.ok(!w.sim.txt(ZONE, NAME).includes(v1) && !w.sim.txt(ZONE, NAME).includes(v2));
        assert.ok(w.sim.requests.every((r) => r.status < 400), lines(w.sim.requests).join('\n'));
      }
      c.check?.(w);
    });
  }
});
});
