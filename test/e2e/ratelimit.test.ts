/**
 * Real certbot + Pebble with our hooks while the simulated GoDaddy enforces a tight rate limit:
 * 3 requests per 2 s per endpoint (GoDaddy's real limit is 60 per minute). A wildcard + apex
 * certificate needs 8 GETs and 4 writes on one endpoint pair, so the limit bites.
 *
 * (1) Hooks at the default budget (60 per minute, so they do not know about the tight limit): they
 *     get 429s, wait as GoDaddy says, never send earlier, and certbot still succeeds without a
 *     warning. (2) Hooks told the limit (ACME_GODADDY_API_RATE=3/2): they pace themselves and never
 *     see a 429.
 *
 * Needs `certbot` and `pebble` (skipped without them, failed when CI is set), like certbot.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startPebble, type Pebble } from '../../src/sim/pebble.js';
import { startSim, type Sim, type SimRequest } from '../../src/sim/sim.js';
import {
  certonly, e2eSkip, lineageOf, makeCertbotDirs, readIssuedCert, verifyChain, type CertbotTarget,
} from '../support/certbot.js';
import { runCli } from '../support/cli.js';

const LIMIT = { limit: 3, windowMs: 2000 };
const FOREIGN = 'foreign-verification=ratelimit';
const CERTBOT_TIMEOUT_MS = 60_000;
/** GoDaddy counts per API key: two accounts, one zone each, so both runs can go at once. */
const ACCOUNTS = [{ key: 'key-default', secret: 'secret-default' }, { key: 'key-paced', secret: 'secret-paced' }];


/**
 * What the simulator answered a 429 with (S6): the seconds until the oldest accepted request on
 * that route leaves the window, at least 1. Recomputed from its request log.
 */
function retryAfterMs(requests: readonly SimRequest[], limited: SimRequest): number {
  const accepted = requests.filter((r) => r.route === limited.route && r.key === limited.key && r.status !== 429
    && r.at > limited.at - LIMIT.windowMs && r.at <= limited.at);
  const oldest = Math.min(...accepted.map((r) => r.at));
  return Math.max(1, Math.ceil((oldest + LIMIT.windowMs - limited.at) / 1000)) * 1000;
}

// The two tests run at once: separate API keys, so GoDaddy (and the simulator) count them apart.
describe('certbot + Pebble under a tight GoDaddy rate limit (3 requests per 2 s per endpoint)', { concurrency: true }, () => {
  const skip = e2eSkip();
  if (skip === undefined) return;
  let sim: Sim;
  let pebble: Pebble;
  let tmp: string;
  let keep = process.env.ACME_GODADDY_E2E_KEEP === '1';

  before(async () => {
    if (skip !== false) return;
    tmp = await mkdtemp(join(tmpdir(), 'acme-godaddy-e2e-rl-'));
    sim = await startSim({
      rateLimit: LIMIT,
      accounts: ACCOUNTS,
      domains: [{ domain: 'example.test', ownerKey: 'key-default' }, { domain: 'other.test', ownerKey: 'key-paced' }],
    });
    for (const zone of ['example.test', 'other.test']) sim.setTxt(zone, '_acme-challenge', [FOREIGN], 3600);
    pebble = await startPebble({ dir: join(tmp, 'pebble'), dnsServer: sim.resolver });
  });

  after(async () => {
    await pebble?.stop();
    await sim?.close();
    if (tmp === undefined) return;
    if (keep) console.log(`kept the e2e work dir: ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  /** Issues `*.zone` + `zone` with the account's key; returns the API requests made with that key. */
  async function issue(t: TestContext, zone: string, account: { key: string; secret: string }, extraEnv: Record<string, string>): Promise<SimRequest[]> {
    const domains = [`*.${zone}`, zone];
    const root = join(tmp, zone);
    const stateDir = join(root, 'state');
    await mkdir(stateDir, { recursive: true });
    const target: CertbotTarget = {
      server: pebble.directoryUrl,
      caBundle: pebble.caBundle,
      hookEnv: {
        ...sim.env(), GODADDY_API_KEY: account.key, GODADDY_API_SECRET: account.secret,
        ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_ENV_FILE: '/dev/null', ...extraEnv,
      },
    };
    const dirs = await makeCertbotDirs(join(root, 'certbot'));
    const result = await certonly(target, dirs, domains, { timeoutMs: CERTBOT_TIMEOUT_MS });
    const requests = sim.requests.filter((r) => r.key === account.key);
    t.diagnostic(`certonly ${domains.join(' ')}: exit ${result.code ?? result.signal}, ${result.elapsedMs} ms; API: ${requests.length} requests, ${requests.filter((r) => r.status === 429).length} answered 429`);
    try {
      assert.equal(result.code, 0, `certbot failed:\n${result.describe()}`);
      assert.deepEqual(result.hookWarnings, [], `certbot reported hook warnings:\n${result.describe()}`);
      const cert = await readIssuedCert(dirs, lineageOf(domains));
      assert.deepEqual([...cert.sans].sort(), [...domains].sort());
      verifyChain(cert.chain, await pebble.rootPem());
      assert.deepEqual(sim.txt(zone, '_acme-challenge'), [FOREIGN], 'only the foreign value is left');
      const status = await runCli(['status', '--json'], { ACME_GODADDY_STATE_DIR: stateDir });
      assert.deepEqual((JSON.parse(status.stdout) as { entries: unknown[] }).entries, [], 'ledger empty');
      assert.ok(requests.length >= 12 && requests.every((r) => r.route !== null && /\{name\}$/.test(r.route)), 'per-name requests only');
    } catch (err) {
      keep = true;
      throw err;
    }
    return requests;
  }

  it('(1) *.example.test + example.test, default budget: 429s are honoured (nothing sent before Retry-After), certificate issued', { skip, timeout: 90_000 }, async (t) => {
    const requests = await issue(t, 'example.test', ACCOUNTS[0]!, {});
    const limited = requests.filter((r) => r.status === 429);
    assert.ok(limited.length >= 1, 'the tight limit was hit');
    for (const r of limited) {
      const wait = retryAfterMs(sim.requests, r);
      const next = requests.find((x) => x.route === r.route && x.at > r.at);
      assert.ok(next, 'the request was retried');
      assert.ok(next.at - r.at >= wait, `${r.route}: next request ${next.at - r.at} ms after a 429 that said ${wait} ms`);
    }
    t.diagnostic(`429 then next request after (ms): ${limited.map((r) => requests.find((x) => x.route === r.route && x.at > r.at)!.at - r.at).join(', ')}`);
  });

  it('(2) *.other.test + other.test (another key) with ACME_GODADDY_API_RATE=3/2: the hooks pace themselves and never get a 429', { skip, timeout: 90_000 }, async (t) => {
    const requests = await issue(t, 'other.test', ACCOUNTS[1]!, { ACME_GODADDY_API_RATE: '3/2' });
    assert.deepEqual(requests.filter((r) => r.status === 429).map((r) => `${r.method} ${r.path}`), []);
  });
});
