import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { runCli, tmpDir, validation } from '../support/cli.js';
import { shortValue } from '../../src/domain/names.js';

const FOREIGN = 'v=spf1 include:_spf.example.test -all';

interface World {
  sim: Sim;
  env: Record<string, string>;
  stateDir: string;
}

async function world(t: test.TestContext, opts: Parameters<typeof startSim>[0] = {}): Promise<World> {
  const sim = await startSim({
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 150 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 400 },
    ],
    ...opts,
  });
  t.after(() => sim.close());
  const stateDir = path.join(tmpDir(t), 'state');
  return {
    sim,
    stateDir,
    env: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_POLL_INTERVAL: '0.1', ACME_GODADDY_PROPAGATION_TIMEOUT: '20' },
  };
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function requestsFor(sim: Sim, from: number): string[] {
  return sim.requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`);
}

test('wildcard + apex: both values live together, foreign value kept, one wait, cleanups remove only their own', async (t) => {
  const w = await world(t);
  w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN], 3600);
  const [v1, v2] = [validation('wild'), validation('apex')];
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'run-1' };

  let mark = w.sim.requests.length;
  const a1 = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.deepEqual([a1.code, a1.stdout, a1.stderr], [0, '', '']);
  assert.deepEqual(requestsFor(w.sim, mark), [
    'GET /v1/domains/example.test/records/TXT/_acme-challenge 200',
    'PUT /v1/domains/example.test/records/TXT/_acme-challenge 200',
    'GET /v1/domains/example.test/records/TXT/_acme-challenge 200',
  ]);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, v1].sort());

  mark = w.sim.requests.length;
  const a2 = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.deepEqual([a2.code, a2.stdout, a2.stderr], [0, '', '']);
  assert.equal(requestsFor(w.sim, mark).length, 3);
  const lastPut = w.sim.requests.filter((r) => r.method === 'PUT').at(-1)!;
  assert.deepEqual((lastPut.body as Array<{ data: string; ttl: number }>).map((r) => [r.data, r.ttl]),
    [[FOREIGN, 3600], [v1, 600], [v2, 600]]);
  // The last auth returned only once every authoritative server served both values.
  for (const ns of w.sim.nameservers) {
    assert.deepEqual(w.sim.published(ns.name, '_acme-challenge.example.test').sort(), [FOREIGN, v1, v2].sort(), ns.name);
  }
  assert.ok(a2.ms >= 400, `waited for the slowest server (${a2.ms} ms)`);

  const status = await runCli(['status', '--json'], run);
  const entries = (JSON.parse(status.stdout) as { entries: Array<{ value: string; state: string; record: string }> }).entries;
  assert.deepEqual(entries.map((e) => [e.record, e.state]).sort(), [['_acme-challenge', 'live'], ['_acme-challenge', 'live']]);

  const c1 = await runCli(['cleanup'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1', CERTBOT_AUTH_OUTPUT: '' });
  assert.deepEqual([c1.code, c1.stdout, c1.stderr], [0, '', '']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, v2].sort());
  mark = w.sim.requests.length;
  const c2 = await runCli(['cleanup'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.deepEqual([c2.code, c2.stderr], [0, '']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), [FOREIGN]);
  assert.deepEqual(requestsFor(w.sim, mark).map((r) => r.split(' ')[0]), ['GET', 'PUT', 'GET']);
  assert.ok(c2.ms < 3000, 'cleanup never waits for DNS');
  const after = JSON.parse((await runCli(['status', '--json'], run)).stdout) as { entries: unknown[] };
  assert.deepEqual(after.entries, []);
});

test('last value gone: DELETE, never a PUT of []; cleanup of an unknown value on an empty name makes no write', async (t) => {
  const w = await world(t);
  const v = validation('sub');
  const env = { ...w.env, CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: v };
  assert.equal((await runCli(['auth'], { ...env, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.www'), [v]);
  let mark = w.sim.requests.length;
  assert.equal((await runCli(['cleanup'], env)).code, 0);
  assert.deepEqual(requestsFor(w.sim, mark), [
    'GET /v1/domains/example.test/records/TXT/_acme-challenge.www 200',
    'DELETE /v1/domains/example.test/records/TXT/_acme-challenge.www 204',
    'GET /v1/domains/example.test/records/TXT/_acme-challenge.www 200',
  ]);
  mark = w.sim.requests.length;
  const again = await runCli(['cleanup'], { ...env, CERTBOT_VALIDATION: validation('never-added') });
  assert.deepEqual([again.code, again.stderr], [0, '']);
  assert.deepEqual(requestsFor(w.sim, mark), ['GET /v1/domains/example.test/records/TXT/_acme-challenge.www 200']);
  assert.ok(!w.sim.requests.some((r) => r.method === 'PUT' && Array.isArray(r.body) && r.body.length === 0));
});

test('stale values of a dead run are swept by the next hook, and reconcile cleans up a crashed run', async (t) => {
  const w = await world(t);
  const dead = validation('dead');
  // A run that died after its auth (certbot killed: no cleanup hook ever runs).
  assert.equal((await runCli(['auth'], { ...w.env, ACME_GODADDY_RUN_ID: 'crashed', CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: dead, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  // Make the crashed run's entry belong to a process that is gone.
  const file = path.join(w.stateDir, 'zones', 'other.test.json');
  const ledger = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ owner: Record<string, unknown> }> };
  ledger.entries[0]!.owner = { run: 'certbot:999999:1', host: (await import('node:os')).hostname(), pid: 999999, start: '1' };
  fs.writeFileSync(file, JSON.stringify(ledger));
  const status = await runCli(['status'], w.env);
  assert.match(status.stdout, /other\.test\s+_acme-challenge\s+\S+\s+live \(stale\)/);

  const plan = await runCli(['reconcile', '--dry-run'], w.env);
  assert.equal(plan.code, 0);
  assert.match(plan.stdout, /other\.test _acme-challenge: would DELETE; would remove .*; keep 0 of ours, 0 foreign/);
  assert.deepEqual(w.sim.txt('other.test', '_acme-challenge'), [dead], 'dry run changed nothing');

  const done = await runCli(['reconcile'], w.env);
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(w.sim.txt('other.test', '_acme-challenge'), []);
  assert.match((await runCli(['status'], w.env)).stdout, /no pending values/);
});

test('propagation timeout names the lagging server and the values it lacks (exit 75); ledger stays consistent', async (t) => {
  const w = await world(t);
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'stale');
  const v = validation('slow');
  const r = await runCli(['auth'], { ...w.env, ACME_GODADDY_PROPAGATION_TIMEOUT: '1.5', CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.equal(r.code, 75);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^acme-godaddy: TXT records not visible on every authoritative server after \d s: ns2\.domaincontrol\.test \(127\.0\.0\.3:\d+\) lacks /);
  assert.ok(r.stderr.includes(v.slice(0, 10)));
  assert.ok(!r.stderr.includes('ns1.domaincontrol.test'), 'the server that has it is not blamed');
  // certbot runs the cleanup anyway; it removes the value.
  const c = await runCli(['cleanup'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v });
  assert.equal(c.code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('wrong credentials: one line, exit 77, no secret anywhere, nothing lost', async (t) => {
  const w = await world(t);
  const secretKey = 'KEY-must-not-leak-123';
  const secretSecret = 'SECRET-must-not-leak-456';
  const env = { ...w.env, GODADDY_API_KEY: secretKey, GODADDY_API_SECRET: secretSecret, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: validation('x'), CERTBOT_REMAINING_CHALLENGES: '0' };
  const r = await runCli(['auth', '--verbose'], env);
  assert.equal(r.code, 77);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines.at(-1)!, /^acme-godaddy: GoDaddy read of TXT records _acme-challenge in example\.test failed: HTTP 401 UNABLE_TO_AUTHENTICATE: Unauthorized : Could not authenticate API key\/secret \(hint: check GODADDY_API_KEY\/GODADDY_API_SECRET; production and OTE keys are different\)$/);
  const everything = r.stdout + r.stderr + fs.readdirSync(path.join(w.stateDir, 'zones')).map((f) => fs.readFileSync(path.join(w.stateDir, 'zones', f), 'utf8')).join('');
  assert.ok(!everything.includes(secretKey) && !everything.includes(secretSecret));
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('bad input: missing CERTBOT_* vars, bad remaining count, unknown command, bad config -> one line and documented codes', async (t) => {
  const w = await world(t);
  const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
    [['auth'], {}, 64, /^acme-godaddy: auth: CERTBOT_DOMAIN and CERTBOT_VALIDATION not set \(hint: run this as certbot's --manual-auth-hook/],
    [['auth'], { CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: 'v', CERTBOT_REMAINING_CHALLENGES: 'two' }, 64, /must be a whole number/],
    [['auth'], { CERTBOT_DOMAIN: 'bad..name', CERTBOT_VALIDATION: 'v' }, 64, /domain "bad\.\.name" has an empty label/],
    [['frobnicate'], {}, 64, /unknown command "frobnicate"/],
    [['auth', '--bogus'], {}, 64, /^acme-godaddy: unknown option "--bogus" for auth \(hint: run `acme-godaddy auth --help`\)\n$/],
    [['status'], { ACME_GODADDY_TTL: '60' }, 78, /ACME_GODADDY_TTL must be between 600 and 604800 \(got 60\)/],
    [['auth'], { CERTBOT_DOMAIN: 'nowhere.invalid', CERTBOT_VALIDATION: 'v' }, 65, /no DNS zone found for _acme-challenge\.nowhere\.invalid/],
  ];
  for (const [args, extra, code, pattern] of cases) {
    const r = await runCli(args, { ...w.env, ...extra });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  }
});

test('eight concurrent auths on one name: all values live at once, fewer writes than values', async (t) => {
  const w = await world(t, { apiLatencyMs: 20 });
  const values = Array.from({ length: 8 }, (_, i) => validation(`c${i}`));
  const results = await Promise.all(values.map((v, i) => runCli(['auth'], {
    ...w.env, ACME_GODADDY_RUN_ID: `r${i}`, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '1',
  })));
  assert.deepEqual(results.map((r) => r.code), values.map(() => 0), results.map((r) => r.stderr).join(''));
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [...values].sort());
  const puts = w.sim.requests.filter((r) => r.method === 'PUT').length;
  assert.ok(puts < 8, `group commit: ${puts} PUTs for 8 values`);
  t.diagnostic(`8 concurrent auths: ${puts} PUTs, ${w.sim.requests.length} requests`);
  await Promise.all(values.map((v, i) => runCli(['cleanup'], { ...w.env, ACME_GODADDY_RUN_ID: `r${i}`, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v })));
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('SIGTERM while waiting for propagation: exit 75, one line, lock released, ledger consistent', async (t) => {
  const w = await world(t);
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'stale');
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../support/cli.js');
  const v = validation('sig');
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const child = spawn(process.execPath, [BIN, 'auth'], {
      env: { PATH: process.env['PATH'], ACME_GODADDY_ENV_FILE: '/dev/null', ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // Wait until this child asks an authoritative server for the TXT record: it is then in its
    // propagation wait (the value is already live from the previous round, so the zone cannot tell).
    const since = Date.now();
    const polled = () => w.sim.dnsQueries.filter((q) => q.at >= since && q.server !== 'resolver' && q.type === 16 && q.name.startsWith('_acme-challenge.')).length;
    for (let i = 0; i < 300 && polled() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(polled() >= 2, `${signal}: the hook never started its propagation wait`);
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 75, `${signal}: ${stderr}`);
    assert.equal(stderr, `acme-godaddy: interrupted by ${signal} (hint: the ledger is consistent; the client's cleanup, or \`acme-godaddy reconcile\` once this run is over, removes what it left behind)\n`);
    const zones = path.join(w.stateDir, 'zones');
    assert.deepEqual(fs.readdirSync(zones).filter((f) => f.endsWith('.lock')), [], 'no lock left behind');
    const ledger = JSON.parse(fs.readFileSync(path.join(zones, 'example.test.json'), 'utf8')) as { entries: Array<{ value: string; state: string }> };
    assert.deepEqual(ledger.entries.map((e) => [e.value, e.state]), [[v, 'live']]);
  }
  // certbot then runs cleanup (or reconcile does once the run is over).
  assert.equal((await runCli(['cleanup'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v })).code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('a corrupt ledger is refused (exit 74, file untouched) until reconcile --repair keeps a backup and rebuilds it', async (t) => {
  const w = await world(t);
  const v = validation('keep');
  assert.equal((await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  const file = path.join(w.stateDir, 'zones', 'example.test.json');
  const good = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] };
  const broken = JSON.stringify({ ...good, entries: [...good.entries, { value: 42 }] });
  fs.writeFileSync(file, broken);
  const refused = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: validation('other'), CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.equal(refused.code, 74);
  assert.equal(refused.stderr, `acme-godaddy: ledger ${file} has a malformed entry (#1); refusing to touch it (hint: \`acme-godaddy reconcile --repair\` keeps a backup and rebuilds it from the entries that still parse)\n`);
  assert.equal(fs.readFileSync(file, 'utf8'), broken);
  assert.equal((await runCli(['reconcile'], w.env)).code, 74);
  assert.equal((await runCli(['reconcile', '--dry-run'], w.env)).code, 74);
  // --repair --dry-run: what the repair would do, and the plan of the rebuilt ledger; nothing changes.
  const mark = w.sim.requests.length;
  const preview = await runCli(['reconcile', '--repair', '--dry-run'], w.env);
  assert.deepEqual([preview.code, preview.stderr], [0, '']);
  const lost = 'values they had at GoDaddy stay until certbot\'s cleanup (or `acme-godaddy cleanup --domain D --validation V`) removes them';
  const previewLines = preview.stdout.split('\n');
  assert.match(previewLines[0]!, new RegExp(`^example\\.test: ledger is unreadable; would move it to ${escapeRe(file)}\\.broken-[0-9TZ-]+, `));
  assert.equal(previewLines[0]!.replace(/^.*\.broken-[0-9TZ-]+/, ''), `, would keep 1 entry, would drop 1 that could not be parsed: ${lost}`);
  assert.deepEqual(previewLines.slice(1), ['example.test _acme-challenge: in sync at GoDaddy; keep 1 of ours, 0 foreign', '']);
  assert.equal(fs.readFileSync(file, 'utf8'), broken, 'a dry run changes nothing');
  assert.deepEqual(fs.readdirSync(path.join(w.stateDir, 'zones')).filter((f) => f.includes('.broken-')), []);
  assert.deepEqual(requestsFor(w.sim, mark), ['GET /v1/domains/example.test/records/TXT/_acme-challenge 200']);
  const repaired = await runCli(['reconcile', '--repair'], w.env);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stdout, /^example\.test: ledger was unreadable; moved to .*example\.test\.json\.broken-\S+, kept 1 entry, dropped 1 that could not be parsed: values they had at GoDaddy stay until certbot's cleanup \(or `acme-godaddy cleanup --domain D --validation V`\) removes them$/m);
  const backups = fs.readdirSync(path.join(w.stateDir, 'zones')).filter((f) => f.includes('.broken-'));
  assert.equal(backups.length, 1);
  assert.equal(fs.readFileSync(path.join(w.stateDir, 'zones', backups[0]!), 'utf8'), broken);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), [v], 'the live value survived');
  assert.equal((await runCli(['cleanup'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v })).code, 0);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), []);
});

test('a failed auth withdraws its value; reconcile settles a zone GoDaddy does not know (404) without a write, and does every zone', async (t) => {
  const w = await world(t);
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'plain-client' };
  // The write to notmine.test is refused (another customer's domain): exit 65, nothing published.
  const denied = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'notmine.test', CERTBOT_VALIDATION: validation('nm'), CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.equal(denied.code, 65, denied.stderr);
  // GoDaddy fails the write to other.test every time: exit 69, value withdrawn.
  w.sim.injectFault({ method: 'PUT', path: /other\.test/, status: 500, body: { code: 'INTERNAL', message: 'boom' }, times: 10 });
  const failed = await runCli(['auth'], { ...run, ACME_GODADDY_HTTP_TIMEOUT: '2', CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: validation('o'), CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.equal(failed.code, 69, failed.stderr);
  w.sim.clearFaults();
  const status = JSON.parse((await runCli(['status', '--json'], run)).stdout) as { entries: Array<{ zone: string; state: string }> };
  assert.deepEqual(status.entries.map((e) => [e.zone, e.state]).sort(), [['notmine.test', 'removing'], ['other.test', 'removing']]);
  // A value seeded in example.test's ledger by a run that is over must still be cleaned, even though
  // notmine.test (sorted before other.test) cannot be reached.
  const stale = validation('st');
  assert.equal((await runCli(['auth'], { ...w.env, ACME_GODADDY_RUN_ID: 'old', CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: stale, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  const file = path.join(w.stateDir, 'zones', 'example.test.json');
  const ledger = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ expiresAt: string }> };
  ledger.entries[0]!.expiresAt = '2000-01-01T00:00:00.000Z';
  fs.writeFileSync(file, JSON.stringify(ledger));
  const mark = w.sim.requests.length;
  const r = await runCli(['reconcile'], run);
  // GoDaddy does not know notmine.test (404 UNKNOWN_DOMAIN) and no value of ours is wanted there:
  // nothing of ours can be at GoDaddy, so its entry is settled without a write, and reconcile succeeds.
  assert.deepEqual([r.code, r.stderr], [0, '']);
  assert.equal(r.stdout, [
    `example.test _acme-challenge.www: DELETE; remove ${shortValue(stale)}; keep 0 of ours, 0 foreign`,
    'notmine.test _acme-challenge: GoDaddy does not know the zone (404 UNKNOWN_DOMAIN), so no value of ours is there; forget 1 entry',
    'other.test _acme-challenge: in sync at GoDaddy; forget 1 ledger entry whose value is already gone at GoDaddy; keep 0 of ours, 0 foreign',
    '',
  ].join('\n'));
  assert.deepEqual(requestsFor(w.sim, mark).filter((q) => q.includes('notmine')), ['GET /v1/domains/notmine.test/records/TXT/_acme-challenge 404']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.www'), []);
  assert.deepEqual(w.sim.txt('other.test', '_acme-challenge'), []);
  const notmine = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'zones', 'notmine.test.json'), 'utf8')) as { entries: unknown[] };
  assert.deepEqual(notmine.entries, []);
  assert.equal((await runCli(['status'], run)).stdout, 'no pending values\n');
  const again = await runCli(['reconcile'], run);
  assert.deepEqual([again.code, again.stdout, again.stderr], [0, 'nothing to reconcile\n', '']);
});

test('cleanup after an auth refused with 404 UNKNOWN_DOMAIN settles the entry without a write (exit 0, logged in --verbose)', async (t) => {
  const w = await world(t);
  const v = validation('nm');
  const env = { ...w.env, ACME_GODADDY_RUN_ID: 'plain-client', CERTBOT_DOMAIN: 'notmine.test', CERTBOT_VALIDATION: v };
  const denied = await runCli(['auth'], { ...env, CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.equal(denied.code, 65, denied.stderr);
  const file = path.join(w.stateDir, 'zones', 'notmine.test.json');
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ state: string }> }).entries.map((e) => e.state), ['removing']);
  const mark = w.sim.requests.length;
  const c = await runCli(['cleanup', '--verbose'], env);
  assert.equal(c.code, 0, c.stderr);
  assert.ok(c.stderr.split('\n').includes('acme-godaddy: _acme-challenge.notmine.test: GoDaddy does not know zone notmine.test (404 UNKNOWN_DOMAIN), so no value of ours can be there; 1 ledger entry to forget without a write'), c.stderr);
  assert.deepEqual(requestsFor(w.sim, mark), ['GET /v1/domains/notmine.test/records/TXT/_acme-challenge 404']);
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] }).entries, []);
  assert.deepEqual(JSON.parse((await runCli(['status', '--json'], w.env)).stdout), { entries: [] });
});

test('reconcile: a zone that fails prints nothing on stdout; "nothing to reconcile" covers only the zones that succeeded', async (t) => {
  const w = await world(t);
  const zones = path.join(w.stateDir, 'zones');
  const stale = validation('st');
  assert.equal((await runCli(['auth'], { ...w.env, ACME_GODADDY_RUN_ID: 'old', CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: stale, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  const exampleFile = path.join(zones, 'example.test.json');
  const ledger = JSON.parse(fs.readFileSync(exampleFile, 'utf8')) as { entries: Array<{ expiresAt: string }> };
  ledger.entries[0]!.expiresAt = '2000-01-01T00:00:00.000Z';
  fs.writeFileSync(exampleFile, JSON.stringify(ledger));
  // A value wanted live in a zone GoDaddy does not know: that keeps failing (exit 65).
  const now = new Date().toISOString();
  const wanted = { record: '_acme-challenge', value: validation('w'), domain: 'notmine.test', state: 'live', owner: { run: 'id:other', host: 'h' },
    createdAt: now, updatedAt: now, expiresAt: new Date(Date.now() + 3600_000).toISOString() };
  fs.writeFileSync(path.join(zones, 'notmine.test.json'), JSON.stringify({ schema: 1, tool: 'acme-godaddy', zone: 'notmine.test', entries: [wanted] }));
  const notFound = /^acme-godaddy: reconcile notmine\.test: GoDaddy read of TXT records _acme-challenge in notmine\.test failed: HTTP 404 UNKNOWN_DOMAIN[^\n]*\(hint: [^\n]*\)\n$/;

  let r = await runCli(['reconcile'], w.env);
  assert.equal(r.code, 65);
  assert.equal(r.stdout, `example.test _acme-challenge.www: DELETE; remove ${shortValue(stale)}; keep 0 of ours, 0 foreign\n`);
  assert.match(r.stderr, notFound);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.www'), []);
  assert.equal((JSON.parse(fs.readFileSync(path.join(zones, 'notmine.test.json'), 'utf8')) as { entries: unknown[] }).entries.length, 1, 'a wanted value is kept');

  r = await runCli(['reconcile'], w.env);
  assert.deepEqual([r.code, r.stdout], [65, 'nothing to reconcile in example.test\n']);
  assert.match(r.stderr, notFound);

  r = await runCli(['reconcile'], { ...w.env, GODADDY_API_SECRET: 'wrong-secret' });
  assert.deepEqual([r.code, r.stdout], [77, 'nothing to reconcile in example.test\n']);
  assert.match(r.stderr, /^acme-godaddy: reconcile notmine\.test: GoDaddy read of TXT records _acme-challenge in notmine\.test failed: HTTP 401 [^\n]*\n$/);

  // Every zone fails: nothing at all on stdout, one line per zone on stderr, the first one's exit code.
  fs.rmSync(exampleFile);
  const brokenFile = path.join(zones, 'broken.test.json');
  fs.writeFileSync(brokenFile, '{"schema":1,"tool":"acme-godaddy","zone":"broken.test","entr');
  r = await runCli(['reconcile'], w.env);
  assert.deepEqual([r.code, r.stdout], [74, '']);
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 3, r.stderr);
  assert.equal(lines[0], `acme-godaddy: reconcile broken.test: ledger ${brokenFile} is not valid JSON (truncated or corrupt); refusing to touch it (hint: \`acme-godaddy reconcile --repair\` keeps a backup and rebuilds it from the entries that still parse)`);
  assert.match(`${lines[1]}\n`, notFound);
});

test('repair of a ledger cut off in its second entry keeps the first and says one is lost; cleanup then removes the lost value too, never a foreign one', async (t) => {
  const w = await world(t);
  const otherTool = validation('other-tool'); // shaped like an ACME token, but not ours
  w.sim.setTxt('example.test', '_acme-challenge', [FOREIGN, otherTool], 3600);
  const v = validation('orphan');
  const manual = 'manual-test-value-1'; // not shaped like an ACME token (a value given by hand, or by another client)
  for (const value of [v, manual]) {
    assert.equal((await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: value, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  }
  const zones = path.join(w.stateDir, 'zones');
  const file = path.join(zones, 'example.test.json');
  const text = fs.readFileSync(file, 'utf8');
  const truncated = text.slice(0, text.lastIndexOf('"expiresAt"')); // a crash of something else, a full disk
  assert.ok(truncated.includes(JSON.stringify(manual)));
  fs.writeFileSync(file, truncated);
  const lost = 'values they had at GoDaddy stay until certbot\'s cleanup (or `acme-godaddy cleanup --domain D --validation V`) removes them';

  const preview = await runCli(['reconcile', '--repair', '--dry-run'], w.env);
  assert.deepEqual([preview.code, preview.stderr], [0, '']);
  assert.match(preview.stdout, new RegExp(`^example\\.test: ledger is unreadable; would move it to ${escapeRe(file)}\\.broken-[0-9TZ-]+, `));
  assert.equal(preview.stdout.replace(/^.*\.broken-[0-9TZ-]+/, ''), `, would keep 1 entry, would drop 1 that could not be parsed: ${lost}\n`
    + 'example.test _acme-challenge: in sync at GoDaddy; keep 1 of ours, 3 foreign\n');
  assert.equal(fs.readFileSync(file, 'utf8'), truncated, 'a dry run changes nothing');
  assert.deepEqual(fs.readdirSync(zones).filter((f) => f.includes('.broken-')), []);

  const repaired = await runCli(['reconcile', '--repair'], w.env);
  assert.deepEqual([repaired.code, repaired.stderr], [0, '']);
  const backups = fs.readdirSync(zones).filter((f) => f.includes('.broken-'));
  assert.equal(backups.length, 1);
  assert.equal(repaired.stdout.split('\n')[0], `example.test: ledger was unreadable; moved to ${path.join(zones, backups[0]!)}, kept 1 entry, dropped 1 that could not be parsed: ${lost}`);
  assert.equal(fs.readFileSync(path.join(zones, backups[0]!), 'utf8'), truncated);
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ value: string }> }).entries.map((e) => e.value), [v]);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, otherTool, manual, v].sort(), 'the lost one is still there');

  // The ledger no longer knows them; cleanup removes each one (a unique random token, or a value the
  // moved-aside ledger holds), write-ahead as usual, and nothing else.
  const c = await runCli(['cleanup', '--verbose', '--domain', 'example.test', '--validation', manual], w.env);
  assert.equal(c.code, 0, c.stderr);
  assert.ok(c.stderr.split('\n').includes(`acme-godaddy: cleanup: the ledger moved aside for example.test holds "${shortValue(manual)}": removing it as ours`), c.stderr);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, otherTool, v].sort());
  const c2 = await runCli(['cleanup', '--domain', 'example.test', '--validation', v], w.env);
  assert.deepEqual([c2.code, c2.stdout, c2.stderr], [0, '', '']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, otherTool].sort());
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] }).entries, []);
  // A value neither in a ledger nor shaped like a token is still left alone.
  const foreignCleanup = await runCli(['cleanup', '--domain', 'example.test', '--validation', FOREIGN.replace(/ /g, '_')], w.env);
  assert.equal(foreignCleanup.code, 0);
  assert.match(foreignCleanup.stderr, /^acme-godaddy: warning: cleanup: "v=spf1_include:_spf\.example\.test_-all" is not in the ledger and is not shaped like an ACME token, so it may be another tool's value; left it alone at _acme-challenge\.example\.test \(remove it in GoDaddy's DNS manager if it is yours\)\n$/);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge').sort(), [FOREIGN, otherTool].sort());

  // A file that does not parse as far as its entries list: how many it held is unknown.
  fs.writeFileSync(file, '{"schema":1,"tool":"acme-godaddy","zo');
  const unparsed = await runCli(['reconcile', '--repair', '--dry-run'], w.env);
  assert.deepEqual([unparsed.code, unparsed.stderr], [0, '']);
  assert.equal(unparsed.stdout.replace(/^.*\.broken-[0-9TZ-]+/, ''), `; the file cannot be parsed, so its entries would be lost: ${lost}\n`);
});

test('a state directory that cannot be created under /proc fails at once: exit 74, one line, no busy loop', { timeout: 60_000 }, async (t) => {
  const w = await world(t);
  const dir = `/proc/acme-godaddy-test-${process.pid}/state`;
  const env = { ...w.env, ACME_GODADDY_STATE_DIR: dir, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: validation('proc'), CERTBOT_REMAINING_CHALLENGES: '1' };
  const a = await runCli(['auth'], env, { timeoutMs: 15_000 });
  assert.deepEqual([a.code, a.stdout, a.stderr], [74, '',
    `acme-godaddy: cannot create state directory ${dir}: ENOENT (hint: set ACME_GODADDY_STATE_DIR to a directory this user can write, or run as root)\n`]);
  assert.ok(a.ms < 10_000, `${a.ms} ms`);
  // check goes on after the state line (GoDaddy API, DNS): the request budget file under it must not loop either.
  const c = await runCli(['check', 'example.test'], env, { timeoutMs: 15_000 });
  assert.equal(c.code, 74, c.stdout + c.stderr);
  assert.ok(c.stdout.includes(`cannot create state directory ${dir}: ENOENT`), c.stdout);
  assert.ok(c.ms < 10_000, `${c.ms} ms`);
});

test('cleanup leaves a value alone that is neither in the ledger nor shaped like an ACME token, with one warning line', async (t) => {
  const w = await world(t);
  w.sim.setTxt('example.test', '_acme-challenge', ['google-site-verification=keep-me']);
  const mark = w.sim.requests.length;
  const r = await runCli(['cleanup'], { ...w.env, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: 'google-site-verification=keep-me' });
  // Exit 0 (a cleanup never fails the ACME client for this), but the operator hears about it.
  assert.deepEqual([r.code, r.stdout], [0, '']);
  assert.equal(r.stderr, 'acme-godaddy: warning: cleanup: "google-site-verification=keep-me" is not in the ledger and is not shaped like an ACME token, '
    + 'so it may be another tool\'s value; left it alone at _acme-challenge.example.test (remove it in GoDaddy\'s DNS manager if it is yours)\n');
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge'), ['google-site-verification=keep-me']);
  assert.deepEqual(w.sim.requests.slice(mark).filter((q) => q.method !== 'GET'), [], 'no write');
});
