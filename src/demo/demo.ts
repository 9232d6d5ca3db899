import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Io } from '../cli/run.js';

/** One simulated certificate: the names certbot would pass as -d, and the run id certbot gives it. */
interface Cert {
  label: string;
  domains: string[];
}

const CERTS: Cert[] = [
  { label: 'shop', domains: ['*.example.test', 'example.test'] },
  { label: 'mail', domains: ['example.test', 'mail.example.test'] },
  { label: 'api', domains: ['api.other.test'] },
];
const FOREIGN = 'google-site-verification=demo-foreign-value';

/**
 * A renewal morning on a multi-certificate host, played against the in-process simulator through
 * the real CLI as child processes, in the order certbot calls its hooks: every auth (counting
 * CERTBOT_REMAINING_CHALLENGES down), the CA's check against the authoritative servers, then every
 * cleanup. The three certificates renew at the same moment; two of them share a name.
 */
export async function runDemo(io: Io, signal: AbortSignal): Promise<ExitCodeValue> {
  const { startSim } = await import('../sim/sim.js');
  const sim = await startSim({
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 700 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 1800 },
    ],
    apiLatencyMs: [20, 60],
  });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-godaddy-demo-'));
  const started = Date.now();
  const say = (text: string): void => io.stdout(`[${((Date.now() - started) / 1000).toFixed(2).padStart(5)}s] ${text}\n`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    ...sim.env(),
    ACME_GODADDY_STATE_DIR: stateDir,
    ACME_GODADDY_ENV_FILE: '/dev/null',
    ACME_GODADDY_POLL_INTERVAL: '0.25',
    ACME_GODADDY_PROPAGATION_TIMEOUT: '60',
  };
  const stderrLines: string[] = [];
  let maxLiveAtApex = 0;
  const apexName = { zone: 'example.test', name: '_acme-challenge' };
  try {
    sim.setTxt(apexName.zone, apexName.name, [FOREIGN]);
    io.stdout(`Simulated GoDaddy API at ${sim.apiUrl}; authoritative servers ${sim.nameservers.map((n) => `${n.name} (${n.address}:${sim.dnsPort}, publishes after ${n.delayMs} ms)`).join(', ')}\n`);
    io.stdout(`Seeded a foreign TXT value at _acme-challenge.example.test: "${FOREIGN}"\n\n`);

    const runOne = async (cert: Cert): Promise<{ cert: Cert; waitedMs: number; overheadMs: number; ok: boolean }> => {
      const values = cert.domains.map((d) => ({ domain: d.replace(/^\*\./, ''), value: token(`${cert.label}-${d}`) }));
      const runEnv = { ...env, ACME_GODADDY_RUN_ID: `demo-${cert.label}-${process.pid}`, CERTBOT_ALL_DOMAINS: values.map((v) => v.domain).join(',') };
      say(`${cert.label}: certbot renews ${cert.domains.join(' + ')}`);
      let waitedMs = 0;
      let overheadMs = 0;
      for (const [i, v] of values.entries()) {
        const remaining = values.length - 1 - i;
        const t0 = Date.now();
        const r = await hook('auth', { ...runEnv, CERTBOT_DOMAIN: v.domain, CERTBOT_VALIDATION: v.value, CERTBOT_REMAINING_CHALLENGES: String(remaining) });
        const ms = Date.now() - t0;
        if (remaining === 0) {
          waitedMs = ms;
          // How long after the slowest server started serving the run's last value did the hook return?
          const published = values.flatMap((x) => sim.nameservers.map((ns) => sim.publishedAt(ns.name, `_acme-challenge.${x.domain}`, x.value) ?? Infinity));
          overheadMs = Date.now() - Math.max(...published);
        }
        if (r.stderr) stderrLines.push(`${cert.label} auth ${v.domain}: ${r.stderr.trim()}`);
        say(`${cert.label}: auth ${v.domain} (${remaining} remaining) exit ${r.code} in ${ms} ms${remaining === 0 ? ' (waited for every authoritative server)' : ''}`);
        if (r.code !== 0) return { cert, waitedMs, overheadMs, ok: false };
        const ours = sim.txt(apexName.zone, apexName.name).filter((x) => x !== FOREIGN).length;
        maxLiveAtApex = Math.max(maxLiveAtApex, ours);
      }
      // The CA validates now: every authoritative server must already serve every value.
      const missing = values.flatMap((v) => sim.nameservers
        .filter((ns) => !sim.published(ns.name, `_acme-challenge.${v.domain}`).includes(v.value))
        .map((ns) => `${ns.name} lacks ${v.value.slice(0, 8)}… at _acme-challenge.${v.domain}`));
      say(`${cert.label}: CA check on ${sim.nameservers.length} authoritative servers: ${missing.length === 0 ? `all ${values.length} value(s) visible` : missing.join('; ')}`);
      for (const [i, v] of values.entries()) {
        const r = await hook('cleanup', { ...runEnv, CERTBOT_DOMAIN: v.domain, CERTBOT_VALIDATION: v.value, CERTBOT_REMAINING_CHALLENGES: String(values.length - 1 - i), CERTBOT_AUTH_OUTPUT: '' });
        if (r.stderr) stderrLines.push(`${cert.label} cleanup ${v.domain}: ${r.stderr.trim()}`);
        if (r.code !== 0) return { cert, waitedMs, overheadMs, ok: false };
      }
      say(`${cert.label}: cleanup done, certificate issued`);
      return { cert, waitedMs, overheadMs, ok: missing.length === 0 };
    };

    const hook = (command: string, hookEnv: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [fileURLToPath(new URL('../main.js', import.meta.url)), command], { env: hookEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        child.stdout.on('data', (d: Buffer) => { stderr += d.toString(); }); // a hook must print nothing at all
        const onAbort = (): void => { child.kill('SIGTERM'); };
        signal.addEventListener('abort', onAbort, { once: true });
        child.on('close', (code) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ code: code ?? 1, stderr });
        });
      });

    const results = await Promise.all(CERTS.map(runOne));
    const totalMs = Date.now() - started;
    const calls = new Map<string, number>();
    for (const r of sim.requests) calls.set(r.method, (calls.get(r.method) ?? 0) + 1);
    const totalValues = CERTS.reduce((n, c) => n + c.domains.length, 0);
    const leftover = ['_acme-challenge', '_acme-challenge.mail'].map((n) => sim.txt('example.test', n))
      .concat([sim.txt('other.test', '_acme-challenge.api')]);
    const clean = JSON.stringify(leftover) === JSON.stringify([[FOREIGN], [], []]);
    const ledgerLeft = fs.readdirSync(path.join(stateDir, 'zones')).filter((f) => f.endsWith('.json'))
      .flatMap((f) => (JSON.parse(fs.readFileSync(path.join(stateDir, 'zones', f), 'utf8')) as { entries: unknown[] }).entries);
    const slowest = Math.max(...sim.nameservers.map((n) => n.delayMs));

    io.stdout('\nSummary\n');
    io.stdout(`  certificates issued:            ${results.filter((r) => r.ok).length} of ${results.length}\n`);
    io.stdout(`  values live at once at _acme-challenge.example.test: ${maxLiveAtApex} (3 challenges from 2 certificates) + 1 foreign\n`);
    io.stdout(`  GoDaddy API calls:              ${sim.requests.length} for ${totalValues} values (${[...calls].map(([m, n]) => `${m} ${n}`).join(', ')}); ${(sim.requests.length / totalValues).toFixed(1)} per value\n`);
    io.stdout(`  last auth hook of each run:     ${results.map((r) => `${r.cert.label} ${(r.waitedMs / 1000).toFixed(2)} s`).join(', ')} (slowest server publishes ${(slowest / 1000).toFixed(2)} s after a write)\n`);
    io.stdout(`  returned after the last publish: ${results.map((r) => `${r.cert.label} +${Math.round(r.overheadMs)} ms`).join(', ')} (poll interval 250 ms)\n`);
    io.stdout(`  hook output on success:         ${stderrLines.length === 0 ? 'none (certbot shows no warnings)' : stderrLines.join(' | ')}\n`);
    io.stdout(`  after cleanup:                  ${clean ? 'only the foreign value remains at GoDaddy' : `left behind: ${JSON.stringify(leftover)}`}; ledger entries left: ${ledgerLeft.length}\n`);
    io.stdout(`  total time:                     ${(totalMs / 1000).toFixed(2)} s\n`);
    const ok = results.every((r) => r.ok) && clean && ledgerLeft.length === 0 && stderrLines.length === 0;
    return ok ? ExitCode.OK : ExitCode.INTERNAL;
  } finally {
    await sim.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** A 43-character base64url value, shaped like CERTBOT_VALIDATION. */
function token(seed: string): string {
  return Buffer.from(`${seed}:${Math.random()}:${Date.now()}`).toString('base64url').padEnd(43, 'A').slice(0, 43);
}
