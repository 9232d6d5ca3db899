/**
 * Real certbot + real Pebble + the simulator, for the DNS side of the hooks: a subdomain two labels
 * deep, a name in a second zone and a CNAME-delegated name in one certificate; and a zone that is
 * delegated away from GoDaddy, refused by the hook before any write.
 *
 * Pebble's VA sends one plain UDP TXT query (RD=1, no EDNS) to its -dnsserver and does not chase
 * CNAMEs itself (docs/certbot-and-pebble.md §6); it takes the TXT records of the answer section
 * whatever their owner name. Its -dnsserver is the simulator's recursive resolver, which does chase
 * the CNAME, like the resolvers of a real CA: the answer holds the CNAME and the TXT at the target.
 * So a CNAME-delegated name validates here exactly as it would at Let's Encrypt.
 *
 * Needs `certbot` and `pebble` on PATH; skipped without them, except under CI (then it fails).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startPebble, type Pebble } from '../../src/sim/pebble.js';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { certonly, e2eSkip, lineageOf, makeCertbotDirs, readIssuedCert, verifyChain, type CertbotTarget } from '../support/certbot.js';
import { runCli } from '../support/cli.js';

const CERTBOT_TIMEOUT_MS = 45_000;
const TXT = 16;

describe('certbot + Pebble: zones, subdomains and CNAME delegation', () => {
  const skip = e2eSkip();
  if (skip === undefined) return;
  let sim: Sim;
  let pebble: Pebble;
  let tmp: string;
  let keepTmp = process.env.ACME_GODADDY_E2E_KEEP === '1';

  before(async () => {
    if (skip !== false) return;
    tmp = await mkdtemp(join(tmpdir(), 'acme-godaddy-e2e-dns-'));
    sim = await startSim();
    // _acme-challenge.alias.example.test is a CNAME into other.test (a common way to validate a
    // name from a zone the API key may write to).
    sim.setRecords('example.test', [...sim.records('example.test'),
      { type: 'CNAME', name: '_acme-challenge.alias', data: 'alias-example.acme.other.test', ttl: 600 }]);
    pebble = await startPebble({ dir: join(tmp, 'pebble'), dnsServer: sim.resolver });
    await sleep(Math.max(...sim.nameservers.map((ns) => ns.delayMs)) + 100); // the CNAME is published everywhere
  });

  after(async () => {
    await pebble?.stop();
    await sim?.close();
    if (tmp === undefined) return;
    if (keepTmp) console.log(`kept the e2e work dir for inspection: ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  async function target(name: string): Promise<{ root: string; stateDir: string; target: CertbotTarget }> {
    sim.resetRateLimits();
    const root = join(tmp, name);
    const stateDir = join(root, 'state');
    await mkdir(stateDir, { recursive: true });
    return {
      root,
      stateDir,
      target: { server: pebble.directoryUrl, caBundle: pebble.caBundle,
        hookEnv: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_ENV_FILE: '/dev/null' } },
    };
  }

  function e2e(name: string, fn: (t: TestContext) => Promise<void>): void {
    it(name, { timeout: 90_000, skip }, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        keepTmp = true;
        throw err;
      }
    });
  }

  e2e('one certificate for deep.sub.example.test, api.other.test and a CNAME-delegated alias.example.test', async (t) => {
    const w = await target('zones');
    const domains = ['deep.sub.example.test', 'api.other.test', 'alias.example.test'];
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    const requestsBefore = sim.requests.length;
    const queriesBefore = sim.dnsQueries.length;
    const result = await certonly(w.target, dirs, domains, { timeoutMs: CERTBOT_TIMEOUT_MS });
    t.diagnostic(`certonly ${domains.join(' ')}: exit ${result.code ?? result.signal}, ${result.elapsedMs} ms`);
    assert.equal(result.code, 0, result.describe());
    assert.deepEqual(result.hookWarnings, [], result.describe());
    const cert = await readIssuedCert(dirs, lineageOf(domains));
    assert.deepEqual([...cert.sans].sort(), [...domains].sort());
    verifyChain(cert.chain, await pebble.rootPem());

    // Writes (and their cleanups) went to the right zone and name: the alias's value to its CNAME target.
    const writes = sim.requests.slice(requestsBefore).filter((r) => r.method !== 'GET')
      .map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`);
    assert.deepEqual([...new Set(writes)].sort(), [
      'DELETE /v1/domains/example.test/records/TXT/_acme-challenge.deep.sub 204',
      'DELETE /v1/domains/other.test/records/TXT/_acme-challenge.api 204',
      'DELETE /v1/domains/other.test/records/TXT/alias-example.acme 204',
      'PUT /v1/domains/example.test/records/TXT/_acme-challenge.deep.sub 200',
      'PUT /v1/domains/other.test/records/TXT/_acme-challenge.api 200',
      'PUT /v1/domains/other.test/records/TXT/alias-example.acme 200',
    ]);
    // What Pebble asked (through the resolver) and got: for the alias, the CNAME plus the TXT at its target.
    const pebbleAsked = sim.dnsQueries.slice(queriesBefore).filter((q) => q.server === 'resolver' && q.type === TXT && q.edns === undefined);
    const alias = pebbleAsked.filter((q) => q.name.toLowerCase() === '_acme-challenge.alias.example.test');
    assert.ok(alias.length >= 1, 'Pebble validated the alias through the resolver');
    assert.deepEqual([...new Set(alias.map((q) => `rd=${q.rd} rcode=${q.rcode} answers=${q.answers}`))], ['rd=true rcode=0 answers=2']);
    // The hooks' wait asked the target on other.test's servers, without recursion.
    const waited = sim.dnsQueries.slice(queriesBefore).filter((q) => q.server !== 'resolver' && q.name.toLowerCase() === 'alias-example.acme.other.test');
    assert.deepEqual([...new Set(waited.map((q) => q.address))].sort(), sim.nameservers.map((ns) => ns.address).sort());
    assert.ok(waited.every((q) => !q.rd));
    assert.deepEqual([sim.txt('other.test', 'alias-example.acme'), sim.txt('example.test', '_acme-challenge.alias')], [[], []]);
    const status = await runCli(['status', '--json'], { ACME_GODADDY_STATE_DIR: w.stateDir });
    assert.deepEqual(JSON.parse(status.stdout), { entries: [] });
  });

  e2e('a zone delegated away from GoDaddy: the auth hook refuses before any write; certbot reports it', async (t) => {
    const w = await target('delegated');
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    const requestsBefore = sim.requests.length;
    const result = await certonly(w.target, dirs, ['www.elsewhere.test'], { timeoutMs: CERTBOT_TIMEOUT_MS });
    t.diagnostic(`certonly www.elsewhere.test: exit ${result.code ?? result.signal}, ${result.elapsedMs} ms`);
    assert.notEqual(result.code, 0, result.describe());
    const auth = result.hookWarnings.filter((h) => h.hook === 'auth')
      .map((h) => [h.kind, h.kind === 'error-code' ? h.detail : h.detail.split(' (hint')[0]]).sort();
    assert.deepEqual(auth, [
      ['error-code', '65'],
      ['error-output', "acme-godaddy: zone elsewhere.test is delegated to ns1.other-dns.test, not to GoDaddy's nameservers "
        + "(*.domaincontrol.test): TXT records written through GoDaddy's API would not be served there, so the CA could not "
        + 'see them; refusing to write'],
    ], result.describe());
    assert.deepEqual(sim.requests.slice(requestsBefore).filter((r) => r.path.includes('elsewhere')), [], 'no GoDaddy request for the zone');
  });
});
