// Zone detection through the real CLI against the simulator: the SOA walk at any depth, multi-label
// public suffixes, IDN, case and trailing dots; never a public suffix (refused before any API
// call); ACME_GODADDY_ZONES for split-horizon resolvers.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSim } from '../../src/sim/sim.js';
import { runCli, validation } from '../support/cli.js';
import { dnsWorld, requestsFrom, txtQueries } from '../support/dns-world.js';
import { quoteDomainInput } from '../../src/domain/names.js';

/** The hint of every bad-domain line (names.ts DOMAIN_HINT), spelled out so that a change shows. */
const DOMAIN_HINT_TEXT = 'give the name the certificate is for, as certbot\'s -d takes it: example.com, www.example.com or *.example.com';

const DOMAINS = [
  { domain: 'example.test' },
  { domain: 'example.co.uk' },
  { domain: 'xn--bcher-kva.example' }, // bücher.example
  // A public suffix the simulated account could write to: acme-godaddy must never pick it.
  { domain: 'co.uk' },
];

test('SOA walk: any depth, multi-label suffix, IDN, upper case and trailing dots; only per-name API calls', async (t) => {
  const w = await dnsWorld(t, { domains: DOMAINS });
  const cases: Array<[string, string, string]> = [
    // CERTBOT_DOMAIN as given, the zone, the record written
    ['A.B.C.D.Example.TEST.', 'example.test', '_acme-challenge.a.b.c.d'],
    ['WWW.example.CO.UK.', 'example.co.uk', '_acme-challenge.www'],
    ['*.example.co.uk', 'example.co.uk', '_acme-challenge'],
    ['Shop.Bücher.Example', 'xn--bcher-kva.example', '_acme-challenge.shop'],
  ];
  for (const [domain, zone, record] of cases) {
    const v = validation(domain);
    const mark = w.sim.requests.length;
    const r = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: domain, CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '1' });
    assert.deepEqual([r.code, r.stderr], [0, ''], domain);
    assert.deepEqual(requestsFrom(w.sim, mark), [
      `GET /v1/domains/${zone}/records/TXT/${record} 200`,
      `PUT /v1/domains/${zone}/records/TXT/${record} 200`,
      `GET /v1/domains/${zone}/records/TXT/${record} 200`,
    ], domain);
    assert.deepEqual(w.sim.txt(zone, record), [v], domain);
  }
  // The resolver was never asked about the suffix itself.
  assert.deepEqual(w.sim.dnsQueries.filter((q) => q.server === 'resolver' && ['co.uk', 'example', 'test'].includes(q.name.toLowerCase())), []);
});

test('never a public suffix: co.uk as a domain (64), a name whose registrable domain is missing (65), no API call', async (t) => {
  const w = await dnsWorld(t, { domains: DOMAINS });
  const suffix = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'CO.UK.', CERTBOT_VALIDATION: validation('s') });
  assert.equal(suffix.code, 64);
  assert.equal(suffix.stderr, `acme-godaddy: domain "CO.UK." is a public suffix: nobody can own its DNS zone (hint: ${DOMAIN_HINT_TEXT})\n`);

  // nothere.co.uk is not registered: the resolver answers NXDOMAIN from the co.uk zone.
  const missing = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'www.nothere.co.uk', CERTBOT_VALIDATION: validation('m') });
  assert.equal(missing.code, 65);
  assert.equal(missing.stderr, 'acme-godaddy: no DNS zone found for _acme-challenge.www.nothere.co.uk: the resolvers answer '
    + 'from co.uk, a public suffix, and nothere.co.uk has no SOA record (hint: check that nothere.co.uk is registered and '
    + 'delegated, or set ACME_GODADDY_ZONES for a split-horizon setup)\n');
  assert.deepEqual(w.sim.requests, [], 'refused before any GoDaddy API call');
  assert.deepEqual(w.sim.txt('co.uk', '_acme-challenge.www.nothere'), []);
  assert.deepEqual(w.sim.dnsQueries.filter((q) => q.name.toLowerCase() === 'co.uk'), [], 'co.uk was never asked for');

  const config = await runCli(['status'], { ...w.env, ACME_GODADDY_ZONES: 'example.test, co.uk,*.example.co.uk' });
  assert.equal(config.code, 78);
  assert.match(config.stderr, /ACME_GODADDY_ZONES: "co\.uk" is a public suffix: nobody can own its DNS zone; ACME_GODADDY_ZONES: "\*\.example\.co\.uk" is a wildcard/);
});

test('ACME_GODADDY_ZONES: with split-horizon resolvers the zone comes from the configuration, not from their SOA answers', async (t) => {
  const w = await dnsWorld(t);
  // The internal resolver: knows an internal zone corp.example.test and nothing of the public example.test.
  const internal = await startSim({
    nameservers: [{ name: 'ns1.corp.test', address: '127.0.0.12', delayMs: 0 }],
    domains: [{ domain: 'corp.example.test' }],
  });
  t.after(() => internal.close());
  const env = { ...w.env, ACME_GODADDY_RESOLVERS: internal.resolver, CERTBOT_DOMAIN: 'host.corp.example.test', CERTBOT_REMAINING_CHALLENGES: '0' };

  // Without the override the walk finds the internal zone, whose nameservers are not GoDaddy's.
  const wrong = await runCli(['auth'], { ...env, CERTBOT_VALIDATION: validation('w') });
  assert.equal(wrong.code, 65);
  assert.match(wrong.stderr, /^acme-godaddy: zone corp\.example\.test is delegated to ns1\.corp\.test, not to GoDaddy's nameservers \(\*\.domaincontrol\.test\)/);
  assert.deepEqual(w.sim.requests, []);

  const v = validation('split');
  const nameservers = w.sim.nameservers.map((ns) => `${ns.address}:${w.sim.dnsPort}`).join(',');
  const mark = internal.dnsQueries.length;
  const ok = await runCli(['auth'], {
    ...env, CERTBOT_VALIDATION: v,
    ACME_GODADDY_ZONES: 'example.test', ACME_GODADDY_NAMESERVERS: nameservers, ACME_GODADDY_DELEGATION_CHECK: 'off',
  });
  assert.deepEqual([ok.code, ok.stderr], [0, '']);
  assert.deepEqual(w.sim.txt('example.test', '_acme-challenge.host.corp'), [v]);
  for (const ns of w.sim.nameservers) assert.deepEqual(w.sim.published(ns.address, '_acme-challenge.host.corp.example.test'), [v]);
  assert.ok(!internal.dnsQueries.slice(mark).some((q) => q.type === 6), 'no SOA walk through the internal resolver');
  assert.equal(txtQueries(w.sim, '_acme-challenge.host.corp.example.test').every((q) => !q.rd), true);
});

// Weird input through every entry point (certbot auth/cleanup, lego present): one line with the
// precise reason, exit 64, before any DNS lookup that could find a zone, any API call or any ledger write.
test('weird domain input: one line naming the problem, exit 64, no API call, nothing in the ledger', async (t) => {
  const w = await dnsWorld(t);
  const cases: Array<[string, string]> = [
    ['foo bar;rm -rf /', 'has characters not allowed in a domain name: " " (space), ";", "/" (allowed: letters, digits, "-", "_" and "." between labels)'],
    ['a'.repeat(300), 'is 300 characters long; a domain name has at most 253'],
    [`${'a'.repeat(70)}.example.test`, 'has a label of 70 characters; a label has at most 63'],
    ['www..example.test', 'has an empty label'],
    ['e\u200dx.example.test', 'is not a valid internationalised domain name: IDNA refuses it (it contains U+200D)'],
    ['xn--zz.example.test', 'has a label that is not valid punycode ("xn--zz")'],
    ['-www.example.test', 'has a label that starts or ends with "-" ("-www")'],
    ['*.*.example.test', 'has a "*" that is not a leading "*.": only one wildcard label, the leftmost, is allowed'],
    ['*.', 'is only a wildcard, without a domain name'],
  ];
  const v = validation('weird');
  for (const [input, reason] of cases) {
    const runs: Array<[string, string[], Record<string, string>]> = [
      ['auth', ['auth'], { CERTBOT_DOMAIN: input, CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' }],
      ['cleanup', ['cleanup'], { CERTBOT_DOMAIN: input, CERTBOT_VALIDATION: v }],
      ['lego present', ['present', `_acme-challenge.${input}.`, v], {}],
      ['dehydrated deploy_challenge', ['deploy_challenge', input, 'token', v], {}],
    ];
    for (const [label, args, extra] of runs) {
      const r = await runCli(args, { ...w.env, ...extra });
      const what = `${label} ${JSON.stringify(input.slice(0, 40))}`;
      assert.equal(r.code, 64, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, '', what);
      assert.equal(r.stderr, `acme-godaddy: domain ${quoteDomainInput(input)} ${reason} (hint: ${DOMAIN_HINT_TEXT})\n`, what);
    }
  }
  assert.deepEqual(w.sim.requests, [], 'no GoDaddy API call');
  assert.deepEqual(w.sim.dnsQueries.filter((q) => q.server !== 'resolver'), [], 'no authoritative server asked');
  const zones = path.join(w.stateDir, 'zones');
  assert.deepEqual(fs.existsSync(zones) ? fs.readdirSync(zones).filter((f) => f.endsWith('.json')) : [], [], 'no ledger written');
});

test('weird domain input is echoed escaped and cut: a line break stays one line, a 300-character name is shortened', async (t) => {
  const w = await dnsWorld(t);
  const v = validation('echo');
  const nl = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'foo\nbar.example.test', CERTBOT_VALIDATION: v });
  assert.equal(nl.code, 64);
  assert.equal(nl.stderr, `acme-godaddy: domain "foo\\nbar.example.test" has characters not allowed in a domain name: U+000A (allowed: letters, digits, "-", "_" and "." between labels) (hint: ${DOMAIN_HINT_TEXT})\n`);
  const long = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'a'.repeat(300), CERTBOT_VALIDATION: v });
  assert.equal(long.code, 64);
  assert.equal(long.stderr, `acme-godaddy: domain "${'a'.repeat(77)}…" is 300 characters long; a domain name has at most 253 (hint: ${DOMAIN_HINT_TEXT})\n`);
});
