/**
 * Issue #3, certbot killed mid-run: real certbot (Debian 2.1.0) + Pebble + the simulator, with
 * `bin/acme-godaddy auth` / `cleanup` as certbot's manual hooks.
 *
 * certbot gets SIGTERM while its last auth hook is in the propagation wait (one nameserver is
 * made slow, so the wait lasts). certbot's exit handler then runs the cleanup hook only for the
 * challenges whose auth hook had returned; the value of the auth hook that was running (its
 * cleanup fails inside certbot) stays at GoDaddy and in the ledger, owned by a run that is over. Then either `reconcile`
 * removes them, or a later certbot run on the same name sweeps them with its own writes; either
 * way every `_acme-challenge` RRset ends up holding exactly the foreign values seeded before, at
 * the API and on every authoritative server.
 *
 * Needs `certbot` and `pebble` on PATH; skipped without them unless CI is set (then it fails).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startPebble, type Pebble } from '../../src/sim/pebble.js';
import { startSim, type Sim } from '../../src/sim/sim.js';
import { certonly, e2eSkip, makeCertbotDirs, type CertbotDirs, type CertbotResult, type CertbotTarget } from '../support/certbot.js';
import { runCli } from '../support/cli.js';
import { eventually, txtValues } from '../support/dns-view.js';

const ZONE = 'example.test';
const FOREIGN = ['foreign-verification=abc', 'v=spf1 -all'];
const SLOW_NS = 'ns2.domaincontrol.test';


describe('certbot killed mid-run', () => {
  const skip = e2eSkip();
  if (skip === undefined) return;
  let sim: Sim;
  let pebble: Pebble;
  let tmp: string;
  let keepTmp = process.env.ACME_GODADDY_E2E_KEEP === '1';
  let normalDelay = 900;

  before(async () => {
    if (skip !== false) return;
    tmp = await mkdtemp(join(tmpdir(), 'acme-godaddy-e2e-kill-'));
    sim = await startSim();
    normalDelay = sim.nameservers.find((ns) => ns.name === SLOW_NS)!.delayMs;
    for (const name of ['_acme-challenge', '_acme-challenge.www']) sim.setTxt(ZONE, name, FOREIGN);
    pebble = await startPebble({ dir: join(tmp, 'pebble'), dnsServer: sim.resolver });
    await assertOnlyForeign('_acme-challenge');
    await assertOnlyForeign('_acme-challenge.www');
  });

  after(async () => {
    await pebble?.stop();
    await sim?.close();
    if (tmp === undefined) return;
    if (keepTmp) console.log(`kept the e2e work dir for inspection: ${tmp} (pebble log: ${pebble?.logPath})`);
    else await rm(tmp, { recursive: true, force: true });
  });

  function e2e(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void {
    it(name, { timeout: timeoutMs, skip }, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        keepTmp = true;
        throw err;
      } finally {
        sim?.setNameserverDelay(SLOW_NS, normalDelay);
      }
    });
  }

  async function world(name: string): Promise<{ root: string; stateDir: string; target: CertbotTarget }> {
    sim.resetRateLimits();
    const root = join(tmp, name);
    const stateDir = join(root, 'state');
    await mkdir(stateDir, { recursive: true });
    return {
      root,
      stateDir,
      target: {
        server: pebble.directoryUrl,
        caBundle: pebble.caBundle,
        hookEnv: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_ENV_FILE: '/dev/null' },
      },
    };
  }

  const ours = (name: string): string[] => sim.txt(ZONE, name).filter((v) => !FOREIGN.includes(v)).sort();

  /** The RRset holds exactly the foreign values at the API and, eventually, on every server. */
  async function assertOnlyForeign(name: string): Promise<void> {
    assert.deepEqual(sim.txt(ZONE, name).sort(), [...FOREIGN].sort(), 'API RRset');
    await eventually(async () => {
      for (const ns of sim.nameservers) {
        assert.deepEqual(await txtValues(`${ns.address}:${sim.dnsPort}`, `${name}.${ZONE}`), [...FOREIGN].sort(), `${ns.name} serves`);
      }
    }, 5_000);
  }

  async function ledger(stateDir: string): Promise<Array<{ value: string; state: string; run: string; stale: boolean }>> {
    const status = await runCli(['status', '--json'], { ACME_GODADDY_STATE_DIR: stateDir }, { timeoutMs: 15_000 });
    assert.equal(status.code, 0, status.stderr);
    return (JSON.parse(status.stdout) as { entries: Array<{ value: string; state: string; run: string; stale: boolean }> }).entries;
  }

  /** PID of the certbot process using `dirs` (certbot runs as `python3 /usr/bin/certbot ... --config-dir <dir>`). */
  function certbotPid(dirs: CertbotDirs): number | undefined {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let argv: string[];
      try {
        argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (argv.some((a) => a.endsWith('certbot')) && argv.includes(dirs.configDir) && !argv.includes('--pdeathsig')) return Number(entry);
    }
    return undefined;
  }

  /**
   * Starts certbot for *.<domain> + <domain> (two values at one name) with the second
   * nameserver slowed down to a minute, waits until both values are at GoDaddy (the last auth
   * hook is then in its propagation wait), and sends certbot SIGTERM.
   */
  async function killedRun(t: TestContext, w: Awaited<ReturnType<typeof world>>, dir: string, domain: string, name: string): Promise<{ values: string[]; left: string[]; result: CertbotResult }> {
    sim.setNameserverDelay(SLOW_NS, 60_000);
    const dirs = await makeCertbotDirs(join(w.root, dir));
    const running = certonly(w.target, dirs, [`*.${domain}`, domain], { timeoutMs: 60_000 });
    let values: string[] = [];
    for (let i = 0; i < 400 && values.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      values = ours(name);
    }
    assert.equal(values.length, 2, 'both values written by the auth hooks');
    await new Promise((r) => setTimeout(r, 500)); // the last auth hook is waiting for ns2
    const pid = certbotPid(dirs);
    assert.ok(pid !== undefined, 'certbot process found');
    process.kill(pid, 'SIGTERM');
    const result = await running;
    t.diagnostic(`certbot after SIGTERM: exit ${result.code ?? result.signal} after ${result.elapsedMs} ms; hook warnings: ${JSON.stringify(result.hookWarnings)}`);
    assert.notEqual(result.code, 0, result.describe());
    assert.equal(result.timedOut, false, result.describe());
    sim.setNameserverDelay(SLOW_NS, normalDelay);
    // What certbot's exit handler did not clean up: at least the value of the running auth hook.
    const left = ours(name);
    t.diagnostic(`left at GoDaddy: ${left.length} of ${values.length} values`);
    assert.ok(left.length >= 1 && left.every((v) => values.includes(v)), `left ${JSON.stringify(left)} of ${JSON.stringify(values)}`);
    return { values, left, result };
  }

  e2e('SIGTERM to certbot during its auth hook: the values stay at GoDaddy and in the ledger; reconcile removes them, leaving exactly the foreign values', 120_000, async (t) => {
    const w = await world('reconcile');
    const name = '_acme-challenge';
    const { left } = await killedRun(t, w, 'certbot', 'example.test', name);
    // The leftovers are served, and the ledger knows exactly them.
    await eventually(async () => {
      for (const ns of sim.nameservers) {
        const served = await txtValues(`${ns.address}:${sim.dnsPort}`, `${name}.${ZONE}`);
        assert.ok(left.every((v) => served.includes(v)), `${ns.name} serves the leftovers`);
      }
    }, 5_000);
    const entries = await ledger(w.stateDir);
    assert.deepEqual(entries.map((e) => e.value).sort(), left);
    assert.ok(entries.every((e) => e.state === 'live' && e.run.startsWith('certbot:') && e.stale), JSON.stringify(entries));

    const r = await runCli(['reconcile'], w.target.hookEnv as Record<string, string>, { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /example\.test _acme-challenge: /);
    await assertOnlyForeign(name);
    assert.deepEqual(await ledger(w.stateDir), []);
  });

  e2e('after certbot was killed mid-run, the next certbot run on the same name sweeps the leftovers with its own writes, without reconcile', 150_000, async (t) => {
    const w = await world('sweep');
    const name = '_acme-challenge.www';
    const { left } = await killedRun(t, w, 'killed', 'www.example.test', name);
    assert.deepEqual((await ledger(w.stateDir)).map((e) => e.value).sort(), left);
    const mark = sim.requests.length;
    const dirs = await makeCertbotDirs(join(w.root, 'next'));
    const next = await certonly(w.target, dirs, ['www.example.test'], { timeoutMs: 60_000 });
    t.diagnostic(`next certbot: exit ${next.code} after ${next.elapsedMs} ms`);
    assert.equal(next.code, 0, next.describe());
    assert.deepEqual(next.hookWarnings, [], next.describe());
    // Its first write already left the dead run's values out.
    const firstPut = sim.requests.slice(mark).find((q) => q.method === 'PUT');
    assert.ok(firstPut, 'the next run wrote');
    const sent = (firstPut.body as Array<{ data: string }>).map((x) => x.data);
    assert.deepEqual(sent.filter((v) => left.includes(v)), [], 'the dead run\'s values are not re-sent');
    assert.ok(FOREIGN.every((v) => sent.includes(v)), 'foreign values kept');
    await assertOnlyForeign(name);
    assert.deepEqual(await ledger(w.stateDir), []);
  });
});
