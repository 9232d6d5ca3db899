// The delegation check through the real CLI against the simulator: a zone whose public NS set is
// not GoDaddy's is refused before any write, naming both sets; the expected NS names are a setting
// (real default *.domaincontrol.com, the simulator's env says *.domaincontrol.test); an override
// for people who know better.
import test from 'node:test';
import assert from 'node:assert/strict';
import { seedRecords } from '../../src/sim/seed.js';
import { runCli, validation } from '../support/cli.js';
import { dnsWorld } from '../support/dns-world.js';

test('elsewhere.test (delegated to another DNS host): refused before any API call, naming both NS sets', async (t) => {
  const w = await dnsWorld(t);
  const r = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'www.elsewhere.test', CERTBOT_VALIDATION: validation('e') });
  assert.equal(r.code, 65);
  assert.equal(r.stderr, "acme-godaddy: zone elsewhere.test is delegated to ns1.other-dns.test, not to GoDaddy's nameservers "
    + "(*.domaincontrol.test): TXT records written through GoDaddy's API would not be served there, so the CA could not "
    + "see them; refusing to write (hint: point the domain's nameservers at GoDaddy, or CNAME _acme-challenge to a zone "
    + "GoDaddy serves; if GoDaddy's servers go by another name here, set ACME_GODADDY_NS_SUFFIXES (or ACME_GODADDY_DELEGATION_CHECK=off))\n");
  assert.deepEqual(w.sim.requests, []);

  // Whoever knows better turns the check off: the write happens (and has no public effect).
  const v = validation('off');
  const off = await runCli(['auth'], { ...w.env, ACME_GODADDY_DELEGATION_CHECK: 'off', CERTBOT_DOMAIN: 'www.elsewhere.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.deepEqual([off.code, off.stderr], [0, '']);
  assert.deepEqual(w.sim.txt('elsewhere.test', '_acme-challenge.www'), [v]);
});

test('GoDaddy NS names are a setting: the real default (*.domaincontrol.com) refuses the simulator; a mixed NS set is refused', async (t) => {
  const w = await dnsWorld(t, {
    domains: [
      { domain: 'example.test' },
      // Public NS: one GoDaddy server and one elsewhere (a half-moved domain).
      { domain: 'mixed.test', records: seedRecords(['ns1.domaincontrol.test', 'ns1.other-dns.test']) },
    ],
  });
  const { ACME_GODADDY_NS_SUFFIXES: simSuffix, ...realDefault } = w.env;
  assert.equal(simSuffix, 'domaincontrol.test');
  const real = await runCli(['auth'], { ...realDefault, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: validation('r') });
  assert.equal(real.code, 65);
  assert.match(real.stderr, /^acme-godaddy: zone example\.test is delegated to ns1\.domaincontrol\.test, ns2\.domaincontrol\.test, not to GoDaddy's nameservers \(\*\.domaincontrol\.com\)/);

  const mixed = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'mixed.test', CERTBOT_VALIDATION: validation('m') });
  assert.equal(mixed.code, 65);
  assert.match(mixed.stderr, /^acme-godaddy: zone mixed\.test is delegated to ns1\.domaincontrol\.test, ns1\.other-dns\.test, and ns1\.other-dns\.test is not GoDaddy's \(\*\.domaincontrol\.test\): /);
  assert.deepEqual(w.sim.requests, []);
});
