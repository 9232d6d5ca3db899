/**
 * Real certbot (Debian 2.1.0) + real Pebble (Debian 2.4.0) + our GoDaddy/DNS simulator, with
 * `bin/acme-godaddy auth` / `cleanup` as certbot's manual hooks, exactly as a user would set it up.
 *
 * One simulator and one Pebble for the whole file; Pebble's VA asks the simulator's recursive
 * resolver, which answers from the authoritative servers' published views (publish delays 300 and
 * 900 ms). Every test has its own certbot dirs and its own CLI state dir (the concurrent test
 * shares one state dir between its two certbots, as two runs on one host would).
 *
 * Before any run, `_acme-challenge` and `_acme-challenge.www` of example.test hold a foreign value
 * (someone else's domain verification). After every run each `_acme-challenge*` RRset must hold
 * exactly what it held before, at the API and on every authoritative server, and the ledger must
 * be empty.
 *
 * Needs `certbot` and `pebble` on PATH (apt-get install -y certbot pebble). Without them the tests
 * are skipped, unless CI is set: then they fail.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { access, constants as fsConstants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startPebble, type Pebble } from '../../src/sim/pebble.js';
import { startSim, type Sim, type SimRequest } from '../../src/sim/sim.js';
import { checkApiBudget } from '../support/api-budget.js';
import {
  CLI_BIN,
  certonly,
  e2eSkip,
  hookCommand,
  lineageOf,
  makeCertbotDirs,
  readIssuedCert,
  readRenewalConf,
  renew,
  verifyChain,
  type CertbotDirs,
  type CertbotResult,
  type CertbotTarget,
} from '../support/certbot.js';
import { runCli } from '../support/cli.js';
import { eventually, txtValues } from '../support/dns-view.js';

/** Foreign TXT values seeded before any run: zone → relative name → values. */
const FOREIGN: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>> = new Map([
  [
    'example.test',
    new Map([
      ['_acme-challenge', ['foreign-verification=abc']],
      ['_acme-challenge.www', ['foreign-verification=www']],
    ]),
  ],
]);
const ZONES = ['example.test', 'other.test'];
/** One certbot process may take this long before we kill it (and its hooks). */
const CERTBOT_TIMEOUT_MS = 45_000;
/** How long the authoritative servers may take to show the cleaned-up RRsets (slowest: 900 ms). */
const PUBLISH_WAIT_MS = 5_000;


describe('certbot + Pebble end to end', () => {
  const skip = e2eSkip();
  if (skip === undefined) return;

  let sim: Sim;
  let pebble: Pebble;
  let tmp: string;
  /** Keep the work dir (certbot logs, Pebble log, state dirs): on failure, or when asked. */
  let keepTmp = process.env.ACME_GODADDY_E2E_KEEP === '1';

  before(async () => {
    if (skip !== false) return;
    tmp = await mkdtemp(join(tmpdir(), 'acme-godaddy-e2e-'));
    try {
      sim = await startSim();
      for (const [zone, names] of FOREIGN) for (const [name, values] of names) sim.setTxt(zone, name, values);
      pebble = await startPebble({ dir: join(tmp, 'pebble'), dnsServer: sim.resolver });
      await assertZonesClean(); // the seeds are published everywhere before the first run
    } catch (err) {
      keepTmp = true;
      throw err;
    }
  });

  after(async () => {
    await pebble?.stop();
    await sim?.close();
    if (tmp === undefined) return;
    if (keepTmp) console.log(`kept the e2e work dir for inspection: ${tmp} (pebble log: ${pebble?.logPath})`);
    else await rm(tmp, { recursive: true, force: true });
  });

  /** `it` that keeps the work dir when the test fails. */
  function e2e(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void {
    it(name, { timeout: timeoutMs, skip }, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        keepTmp = true;
        throw err;
      }
    });
  }

  /**
   * A fresh state dir and the certbot target whose hooks use it. Also starts fresh GoDaddy rate
   * limit windows (60 requests per minute per route, as the real API): this file packs a dozen
   * certbot runs into about a minute, which real renewals never do, and a 429 would both slow the
   * run by the Retry-After and break the request budget check.
   */
  async function world(name: string): Promise<{ root: string; stateDir: string; target: CertbotTarget }> {
    sim.resetRateLimits();
    const root = join(tmp, name);
    const stateDir = join(root, 'state');
    await mkdir(stateDir, { recursive: true });
    const target: CertbotTarget = {
      server: pebble.directoryUrl,
      caBundle: pebble.caBundle,
      hookEnv: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_ENV_FILE: '/dev/null' },
    };
    return { root, stateDir, target };
  }

  /** certbot certonly; asserts a clean success and the certificate. Returns the run. */
  async function issue(t: TestContext, target: CertbotTarget, dirs: CertbotDirs, domains: readonly string[]): Promise<CertbotResult> {
    const result = await certonly(target, dirs, domains, { timeoutMs: CERTBOT_TIMEOUT_MS });
    t.diagnostic(`certonly ${domains.join(' ')}: exit ${result.code ?? result.signal}, ${result.elapsedMs} ms`);
    assertCleanRun(result);
    await assertCertificate(dirs, lineageOf(domains), domains);
    return result;
  }

  /** Exit 0 and no hook warnings (the hooks are silent on stderr and exit 0 on success). */
  function assertCleanRun(result: CertbotResult): void {
    assert.equal(result.code, 0, `certbot failed:\n${result.describe()}`);
    assert.deepEqual(result.hookWarnings, [], `certbot reported hook warnings:\n${result.describe()}`);
  }

  async function assertCertificate(dirs: CertbotDirs, lineage: string, domains: readonly string[]): Promise<void> {
    const cert = await readIssuedCert(dirs, lineage);
    assert.deepEqual([...cert.sans].sort(), [...domains].sort(), `SANs of ${cert.fullchainPath}`);
    verifyChain(cert.chain, await pebble.rootPem());
  }

  /** What each `_acme-challenge*` RRset held before any run (foreign values only). */
  function expectedTxt(zone: string, name: string): string[] {
    return [...(FOREIGN.get(zone)?.get(name) ?? [])].sort();
  }

  /** Every `_acme-challenge*` name the API zone has now or had seeded. */
  function challengeNames(zone: string): string[] {
    const names = new Set(FOREIGN.get(zone)?.keys());
    for (const r of sim.records(zone)) {
      if (r.type === 'TXT' && /^_acme-challenge(\.|$)/.test(r.name)) names.add(r.name);
    }
    return [...names].sort();
  }

  /**
   * (d) At the API, every `_acme-challenge*` RRset holds exactly the seeded values (none where none
   * were seeded); and eventually so does every authoritative nameserver, asked over the wire.
   */
  async function assertZonesClean(extraNames: readonly string[] = []): Promise<void> {
    const checks: { zone: string; name: string }[] = [];
    for (const zone of ZONES) {
      const names = new Set([...challengeNames(zone), ...extraNames.filter((n) => n.endsWith(`.${zone}`)).map((n) => relName(n, zone))]);
      for (const name of names) checks.push({ zone, name });
    }
    for (const { zone, name } of checks) {
      assert.deepEqual([...sim.txt(zone, name)].sort(), expectedTxt(zone, name), `API TXT at ${name}.${zone}`);
    }
    await eventually(async () => {
      for (const ns of sim.nameservers) {
        for (const { zone, name } of checks) {
          const fqdn = `${name}.${zone}`;
          const served = await txtValues(`${ns.address}:${sim.dnsPort}`, fqdn);
          assert.deepEqual(served, expectedTxt(zone, name), `${ns.name} serves TXT ${fqdn}`);
        }
      }
    }, PUBLISH_WAIT_MS);
  }

  /** (d) The ledger has no entries left (`acme-godaddy status --json`). */
  async function assertLedgerEmpty(stateDir: string): Promise<void> {
    const status = await runCli(['status', '--json'], { ACME_GODADDY_STATE_DIR: stateDir }, { timeoutMs: 15_000 });
    assert.equal(status.code, 0, `status failed: ${status.stderr}`);
    const parsed = JSON.parse(status.stdout) as { entries?: unknown[] };
    assert.deepEqual(parsed.entries, [], `ledger still has entries:\n${status.stdout}`);
  }

  /** The API requests made while `fn` ran, checked against the per-value budget. */
  async function withApiBudget<T>(t: TestContext, fn: () => Promise<T>): Promise<T> {
    const start = sim.requests.length;
    const before = new Map<string, string[]>();
    for (const zone of ZONES) {
      for (const name of challengeNames(zone)) before.set(recordPath(zone, name), [...sim.txt(zone, name)]);
    }
    const value = await fn();
    const requests: SimRequest[] = sim.requests.slice(start);
    const report = checkApiBudget(requests, before);
    t.diagnostic(`GoDaddy API: ${requests.length} request(s); ${report.summary()}`);
    assert.deepEqual(report.violations, [], 'GoDaddy API request budget');
    return value;
  }

  /** (d), after a test's runs. */
  async function assertAfterRuns(stateDir: string, names: readonly string[]): Promise<void> {
    await assertZonesClean(names.map((n) => `_acme-challenge.${n.replace(/^\*\./, '')}`));
    await assertLedgerEmpty(stateDir);
  }

  e2e('(a) *.example.test + example.test: issued through the hooks, chain verifies, hooks silent', 60_000, async (t) => {
    const w = await world('a');
    const domains = ['*.example.test', 'example.test'];
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    await withApiBudget(t, () => issue(t, w.target, dirs, domains));
    await assertAfterRuns(w.stateDir, domains);
    // The chain check is not vacuous: the same chain does not verify to another root.
    const { chain } = await readIssuedCert(dirs, lineageOf(domains));
    assert.throws(() => verifyChain(chain, readFileSync(pebble.caBundle, 'utf8')), /is not signed by/);
  });

  e2e('(a2) *.example.test + example.test + www.example.test', 60_000, async (t) => {
    const w = await world('a2');
    const domains = ['*.example.test', 'example.test', 'www.example.test'];
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    await withApiBudget(t, () => issue(t, w.target, dirs, domains));
    await assertAfterRuns(w.stateDir, domains);
  });

  e2e('(b) two certbots at once with overlapping names: both issued', 90_000, async (t) => {
    const w = await world('b'); // one state dir: two certbot runs on one host
    const first = ['example.test'];
    const second = ['*.example.test', 'example.test'];
    const [dirs1, dirs2] = await Promise.all([makeCertbotDirs(join(w.root, 'certbot1')), makeCertbotDirs(join(w.root, 'certbot2'))]);
    const started = performance.now();
    await withApiBudget(t, () => Promise.all([issue(t, w.target, dirs1, first), issue(t, w.target, dirs2, second)]));
    t.diagnostic(`both issued after ${Math.round(performance.now() - started)} ms`);
    await assertAfterRuns(w.stateDir, second);
  });

  e2e('(c) certbot renew --force-renewal and --dry-run from cwd=/ use the stored absolute hooks', 120_000, async (t) => {
    const w = await world('c');
    const domains = ['*.example.test', 'example.test'];
    const lineage = lineageOf(domains);
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    await withApiBudget(t, () => issue(t, w.target, dirs, domains));
    await assertAfterRuns(w.stateDir, domains);

    const conf = await readRenewalConf(dirs, lineage);
    assert.equal(conf.manual_auth_hook, hookCommand('auth'), 'stored auth hook');
    assert.equal(conf.manual_cleanup_hook, hookCommand('cleanup'), 'stored cleanup hook');
    assert.ok(isAbsolute(CLI_BIN), `hook path ${CLI_BIN} is absolute`);
    await access(CLI_BIN, fsConstants.X_OK);
    const firstSerial = (await readIssuedCert(dirs, lineage)).leaf.serialNumber;

    const forced = await withApiBudget(t, async () => {
      const r = await renew(w.target, dirs, { forceRenewal: true, cwd: '/', timeoutMs: CERTBOT_TIMEOUT_MS });
      t.diagnostic(`renew --force-renewal (cwd=/): exit ${r.code ?? r.signal}, ${r.elapsedMs} ms`);
      return r;
    });
    assertCleanRun(forced);
    await assertCertificate(dirs, lineage, domains);
    assert.notEqual((await readIssuedCert(dirs, lineage)).leaf.serialNumber, firstSerial, 'renewal replaced the certificate');
    await assertAfterRuns(w.stateDir, domains);

    const dry = await withApiBudget(t, async () => {
      const r = await renew(w.target, dirs, { dryRun: true, cwd: '/', timeoutMs: CERTBOT_TIMEOUT_MS });
      t.diagnostic(`renew --dry-run --server <pebble> (cwd=/): exit ${r.code ?? r.signal}, ${r.elapsedMs} ms`);
      return r;
    });
    assertCleanRun(dry);
    assert.match(dry.stdout + dry.stderr, /simulated renewals succeeded/, dry.describe());
    await assertAfterRuns(w.stateDir, domains);
  });

  e2e('(e) a name in a second zone (api.other.test) in the same certificate as example.test names', 60_000, async (t) => {
    const w = await world('e');
    const domains = ['example.test', 'api.other.test', 'www.example.test'];
    const dirs = await makeCertbotDirs(join(w.root, 'certbot'));
    await withApiBudget(t, () => issue(t, w.target, dirs, domains));
    await assertAfterRuns(w.stateDir, domains);
  });
});

function relName(fqdn: string, zone: string): string {
  return fqdn === zone ? '@' : fqdn.slice(0, -(zone.length + 1));
}

function recordPath(zone: string, name: string): string {
  return `/v1/domains/${zone}/records/TXT/${name}`;
}
