// CNAME delegation through the real CLI against the simulator: `_acme-challenge.<name>` is a CNAME
// into another GoDaddy zone; the value is written at the target, in the target's zone, and the
// wait checks the target on that zone's servers. Loops, long chains and targets in a zone served
// elsewhere are refused before any API call.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Resolver as NodeResolver } from 'node:dns/promises';
import type { SimRecord } from '../../src/sim/sim.js';
import { runCli, validation } from '../support/cli.js';
import { askedPairs, dnsWorld, published, requestsFrom } from '../support/dns-world.js';

const cname = (name: string, data: string): SimRecord => ({ type: 'CNAME', name, data, ttl: 600 });

test('a CNAME into a second zone: the TXT goes to the target, the wait asks the target on its servers; cleanup removes it there', async (t) => {
  const w = await dnsWorld(t);
  w.sim.setRecords('example.test', [...w.sim.records('example.test'),
    cname('_acme-challenge.www', 'www-example.acme.other.test'), // one hop, into other.test
    cname('_acme-challenge.api', 'hop.example.test'), cname('hop', 'api-example.acme.other.test')]); // two hops
  await published(w.sim);
  const [v1, v2] = [validation('www'), validation('api')];
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'cname-run' };

  let mark = w.sim.requests.length;
  const a1 = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.deepEqual([a1.code, a1.stderr], [0, '']);
  const dnsMark = w.sim.dnsQueries.length;
  const a2 = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'api.example.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.deepEqual([a2.code, a2.stderr], [0, '']);
  assert.deepEqual(requestsFrom(w.sim, mark).filter((r) => !r.startsWith('GET')), [
    'PUT /v1/domains/other.test/records/TXT/www-example.acme 200',
    'PUT /v1/domains/other.test/records/TXT/api-example.acme 200',
  ], 'written in the target zone, nothing in example.test');
  assert.deepEqual(w.sim.txt('other.test', 'www-example.acme'), [v1]);
  assert.deepEqual(w.sim.txt('other.test', 'api-example.acme'), [v2]);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.www'), []);
  // The one wait asked both targets on both of other.test's servers, and nothing else.
  assert.deepEqual(askedPairs(w.sim, dnsMark), [
    '127.0.0.2 api-example.acme.other.test', '127.0.0.2 www-example.acme.other.test',
    '127.0.0.3 api-example.acme.other.test', '127.0.0.3 www-example.acme.other.test',
  ]);
  // What a CA's resolver sees at the name it validates: the CNAME chain and our value.
  const ca = new NodeResolver({ timeout: 1000, tries: 2 });
  ca.setServers([w.sim.resolver]);
  assert.deepEqual((await ca.resolveTxt('_acme-challenge.api.example.test')).map((c) => c.join('')), [v2]);

  mark = w.sim.requests.length;
  for (const [domain, v] of [['www.example.test', v1], ['api.example.test', v2]] as const) {
    const c = await runCli(['cleanup'], { ...run, CERTBOT_DOMAIN: domain, CERTBOT_VALIDATION: v });
    assert.deepEqual([c.code, c.stderr], [0, '']);
  }
  assert.deepEqual(requestsFrom(w.sim, mark).filter((r) => !r.startsWith('GET')), [
    'DELETE /v1/domains/other.test/records/TXT/www-example.acme 204',
    'DELETE /v1/domains/other.test/records/TXT/api-example.acme 204',
  ]);
  assert.deepEqual(JSON.parse((await runCli(['status', '--json'], run)).stdout), { entries: [] });
});

test('refused before any API call: a CNAME loop, a chain over 8 hops, a target in a zone GoDaddy does not serve', async (t) => {
  const w = await dnsWorld(t);
  const chain = Array.from({ length: 9 }, (_, i) => cname(`c${i}`, `c${i + 1}.example.test`));
  w.sim.setRecords('example.test', [...w.sim.records('example.test'),
    cname('_acme-challenge.loop', 'back.example.test'), cname('back', '_acme-challenge.loop.example.test'),
    cname('_acme-challenge.long', 'c0.example.test'), ...chain,
    cname('_acme-challenge.away', 'acme.elsewhere.test')]);
  await published(w.sim);
  const cases: Array<[string, RegExp]> = [
    ['loop.example.test', /^acme-godaddy: CNAME loop: _acme-challenge\.loop\.example\.test -> back\.example\.test -> _acme-challenge\.loop\.example\.test \(hint: fix the CNAME record at back\.example\.test\)\n$/],
    ['long.example.test', /^acme-godaddy: CNAME chain from _acme-challenge\.long\.example\.test is longer than 8 hops: _acme-challenge\.long\.example\.test -> c0\.example\.test -> .* -> c8\.example\.test/],
    ['away.example.test', /^acme-godaddy: zone elsewhere\.test is delegated to ns1\.other-dns\.test, not to GoDaddy's nameservers \(\*\.domaincontrol\.test\)/],
  ];
  for (const [domain, pattern] of cases) {
    const r = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: domain, CERTBOT_VALIDATION: validation(domain) });
    assert.equal(r.code, 65, `${domain}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
  assert.deepEqual(w.sim.requests, []);
});
