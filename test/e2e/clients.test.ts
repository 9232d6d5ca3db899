/**
 * ACME clients other than certbot, for real: Debian's lego (4.9.1, `exec` DNS provider) and
 * dehydrated (0.7.0, hook script), each against a real Pebble and our GoDaddy/DNS simulator, with
 * bin/acme-godaddy itself as EXEC_PATH / HOOK, configured the way the README tells a user to.
 *
 * Before the runs `_acme-challenge.example.test` holds a foreign value; afterwards every
 * `_acme-challenge*` RRset holds exactly what it held before (API and every authoritative server)
 * and the ledger is empty. The audit log (ACME_GODADDY_LOG_FILE) shows how often the hooks waited.
 *
 * Needs `lego`, `dehydrated` and `pebble` on PATH (apt-get install -y lego dehydrated pebble);
 * skipped without them, unless CI is set: then they fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startPebble, type Pebble } from '../../src/sim/pebble.js';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { checkApiBudget } from '../support/api-budget.js';
import { CLI_BIN, e2eSkip, sansOf, verifyChain } from '../support/certbot.js';
import { runCli } from '../support/cli.js';
import { eventually, txtValues } from '../support/dns-view.js';

const FOREIGN = 'foreign-verification=abc';
const CLIENT_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a client in its own process group; on timeout the group (client + hooks) is killed. */
function runClient(file: string, args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const kill = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    };
    const timer = setTimeout(kill, CLIENT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      kill(); // hooks that outlived the client
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

interface LogLine {
  msg: string;
  command: string;
  run: string;
  level: string;
}

async function readLog(file: string): Promise<LogLine[]> {
  const text = await readFile(file, 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

/** Values per propagation wait, from the audit log's "waiting for N value(s) …" lines. */
function waits(log: readonly LogLine[]): number[] {
  return log.map((l) => /^waiting for (\d+) value/.exec(l.msg)?.[1]).filter((n): n is string => n !== undefined).map(Number);
}

describe('lego and dehydrated end to end', () => {
  const skip = e2eSkip(['lego', 'dehydrated', 'pebble', 'openssl']);
  if (skip === undefined) return;

  let sim: Sim;
  let pebble: Pebble;
  let tmp: string;
  let keep = process.env['ACME_GODADDY_E2E_KEEP'] === '1';

  before(async () => {
    if (skip !== false) return;
    tmp = await mkdtemp(join(tmpdir(), 'acme-godaddy-clients-'));
    sim = await startSim();
    sim.setTxt('example.test', '_acme-challenge', [FOREIGN]);
    pebble = await startPebble({ dir: join(tmp, 'pebble'), dnsServer: sim.resolver });
  });

  after(async () => {
    await pebble?.stop();
    await sim?.close();
    if (tmp === undefined) return;
    if (keep) console.log(`kept the work dir for inspection: ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  /** The hooks' environment, as a user would set it (here: pointing at the simulator). */
  async function world(name: string): Promise<{ root: string; stateDir: string; logFile: string; env: Record<string, string> }> {
    sim.resetRateLimits();
    const root = join(tmp, name);
    await mkdir(root, { recursive: true });
    const stateDir = join(root, 'state');
    const logFile = join(root, 'audit.jsonl');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(ACME_)?GODADDY_|^CERTBOT_|^EXEC_|^LEGO_/.test(k)) env[k] = v;
    }
    Object.assign(env, sim.env(), {
      ACME_GODADDY_STATE_DIR: stateDir,
      ACME_GODADDY_ENV_FILE: '/dev/null',
      ACME_GODADDY_LOG_FILE: logFile,
      ACME_GODADDY_POLL_INTERVAL: '0.2',
    });
    return { root, stateDir, logFile, env };
  }

  function e2e(name: string, fn: (t: TestContext) => Promise<void>): void {
    it(name, { timeout: 90_000, skip }, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        keep = true;
        throw err;
      }
    });
  }

  /** Afterwards: foreign value only, at the API and on every authoritative server; ledger empty. */
  async function assertClean(stateDir: string, names: ReadonlyArray<[zone: string, name: string]>): Promise<void> {
    const expected = (zone: string, name: string): string[] => (zone === 'example.test' && name === '_acme-challenge' ? [FOREIGN] : []);
    for (const [zone, name] of names) assert.deepEqual(sim.txt(zone, name), expected(zone, name), `API TXT ${name}.${zone}`);
    await eventually(async () => {
      for (const ns of sim.nameservers) {
        for (const [zone, name] of names) {
          assert.deepEqual(await txtValues(`${ns.address}:${sim.dnsPort}`, `${name}.${zone}`), expected(zone, name), `${ns.name} ${name}.${zone}`);
        }
      }
    }, 5_000);
    const status = await runCli(['status', '--json'], { ACME_GODADDY_STATE_DIR: stateDir });
    assert.deepEqual((JSON.parse(status.stdout) as { entries: unknown[] }).entries, []);
  }

  async function assertCert(pem: string, sans: readonly string[]): Promise<void> {
    const chain = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
    assert.ok(chain.length >= 1, 'a certificate was written');
    assert.deepEqual(sansOf(chain[0]!).sort(), [...sans].sort());
    verifyChain(chain, await pebble.rootPem());
  }

  e2e('lego --dns exec with EXEC_PATH=bin/acme-godaddy issues *.example.test + example.test', async (t) => {
    const w = await world('lego');
    const mark = sim.requests.length;
    const run = await runClient('lego', [
      '--server', pebble.directoryUrl, '--accept-tos', '--email', 'you@example.test', '--path', join(w.root, 'lego'),
      '--dns', 'exec', '--dns.resolvers', sim.resolver, '--dns.disable-cp',
      '-d', '*.example.test', '-d', 'example.test', 'run',
    ], {
      ...w.env,
      EXEC_PATH: CLI_BIN,
      EXEC_PROPAGATION_TIMEOUT: '30',
      EXEC_POLLING_INTERVAL: '1',
      EXEC_SEQUENCE_INTERVAL: '1', // lego 4.x solves exec challenges one by one, 60 s apart by default
      LEGO_CA_CERTIFICATES: pebble.caBundle,
    }, w.root);
    t.diagnostic(`lego: exit ${run.code}, ${run.ms} ms`);
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, /acme-godaddy:/, 'the hook printed nothing');
    await assertCert(await readFile(join(w.root, 'lego', 'certificates', '_.example.test.crt'), 'utf8'), ['*.example.test', 'example.test']);

    // One present and one cleanup per challenge; each present waited for its own value only.
    const log = await readLog(w.logFile);
    assert.deepEqual(log.filter((l) => / done$/.test(l.msg)).map((l) => l.command),
      ['lego present', 'lego cleanup', 'lego present', 'lego cleanup']);
    assert.deepEqual(waits(log), [1, 1]);
    assert.deepEqual(log.filter((l) => l.level !== 'info'), []);
    const report = checkApiBudget(sim.requests.slice(mark), new Map([['/v1/domains/example.test/records/TXT/_acme-challenge', [FOREIGN]]]));
    assert.deepEqual(report.violations, []);
    // The foreign value was kept in every write.
    for (const put of sim.requests.slice(mark).filter((r) => r.method === 'PUT')) {
      assert.ok((put.body as Array<{ data: string }>).some((r) => r.data === FOREIGN), 'every PUT keeps the foreign value');
    }
    await assertClean(w.stateDir, [['example.test', '_acme-challenge']]);
  });

  e2e('dehydrated with HOOK=bin/acme-godaddy and HOOK_CHAIN=yes: 3 names in 2 zones, one propagation wait', async (t) => {
    const w = await world('dehydrated');
    const config = join(w.root, 'config');
    await writeFile(join(w.root, 'domains.txt'), 'other.test *.other.test www.example.test\n');
    await writeFile(config, [
      `CA="${pebble.directoryUrl}"`,
      'CHALLENGETYPE=dns-01',
      `HOOK=${CLI_BIN}`,
      'HOOK_CHAIN=yes',
      `BASEDIR=${w.root}`,
      `DOMAINS_TXT=${join(w.root, 'domains.txt')}`,
      'CONTACT_EMAIL=you@example.test',
      'KEYSIZE=2048', // account key: RSA 4096 by default, slow to generate
      'KEY_ALGO=prime256v1',
      '',
    ].join('\n'));
    const env = { ...w.env, CURL_CA_BUNDLE: pebble.caBundle };
    const register = await runClient('dehydrated', ['--config', config, '--register', '--accept-terms'], env, w.root);
    assert.equal(register.code, 0, register.output);
    const mark = sim.requests.length;
    const run = await runClient('dehydrated', ['--config', config, '--cron'], env, w.root);
    t.diagnostic(`dehydrated --cron: exit ${run.code}, ${run.ms} ms (register: ${register.ms} ms)`);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /\+ Done!/);
    assert.doesNotMatch(run.output, /acme-godaddy:/, 'the hook printed nothing');
    await assertCert(await readFile(join(w.root, 'certs', 'other.test', 'fullchain.pem'), 'utf8'),
      ['other.test', '*.other.test', 'www.example.test']);

    // HOOK_CHAIN: one deploy call for all three values, one wait, one clean call.
    const log = await readLog(w.logFile);
    assert.deepEqual(log.filter((l) => / done$/.test(l.msg)).map((l) => l.command),
      ['dehydrated deploy_challenge', 'dehydrated clean_challenge']);
    assert.deepEqual(waits(log), [3]);
    const report = checkApiBudget(sim.requests.slice(mark), new Map());
    assert.deepEqual(report.violations, []);
    // Writes per record, in order (the two zones are worked on independently, so the order
    // across zones is not fixed): other.test PUT 1, PUT 2, cleanup PUT 1, DELETE; www: PUT, DELETE.
    const writes = new Map<string, string[]>();
    for (const r of sim.requests.slice(mark).filter((q) => q.method !== 'GET')) {
      writes.set(r.path, [...(writes.get(r.path) ?? []), r.method]);
    }
    assert.deepEqual(Object.fromEntries(writes), {
      '/v1/domains/other.test/records/TXT/_acme-challenge': ['PUT', 'PUT', 'PUT', 'DELETE'],
      '/v1/domains/example.test/records/TXT/_acme-challenge.www': ['PUT', 'DELETE'],
    });
    await assertClean(w.stateDir, [['other.test', '_acme-challenge'], ['example.test', '_acme-challenge.www'], ['example.test', '_acme-challenge']]);
  });
});
