/**
 * Run the real certbot (Debian's 2.1.0) against a local Pebble, with our CLI as the manual
 * dns-01 hooks, the way a user would: `--manual-auth-hook "<abs>/bin/acme-godaddy auth"`.
 *
 * Rules from docs/certbot-and-pebble.md that this module encodes:
 * - separate `--config-dir`, `--work-dir` and `--logs-dir` per run (certbot locks all three and
 *   fails at once with "Another instance of Certbot is already running");
 * - absolute hook paths (certbot stores them verbatim in the renewal conf);
 * - `REQUESTS_CA_BUNDLE` = Pebble's TLS CA, for certonly and renew alike;
 * - `--no-random-sleep-on-renew` (else a non-interactive renew sleeps 1–480 s), and `--server`
 *   whenever `--dry-run` is given (else certbot goes to Let's Encrypt staging);
 * - every run is bounded: on timeout the whole process group (certbot and its hook shells) is
 *   SIGKILLed, so a stuck hook can never hang the suite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath } from '../../src/sim/pebble.js';

/** The repository root: the nearest ancestor of this file with acme-godaddy's package.json. */
export const REPO_ROOT: string = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** Absolute path of the CLI as installed in the repo. */
export const CLI_BIN: string = join(REPO_ROOT, 'bin', 'acme-godaddy');

/** The hook command line certbot gets, e.g. `/work/main/bin/acme-godaddy auth`. */
export function hookCommand(subcommand: 'auth' | 'cleanup', bin: string = CLI_BIN): string {
  // certbot checks `hook.split(None, 1)[0]` for executability, so no quoting can save a path
  // with whitespace; fail clearly instead.
  if (/\s/.test(bin)) throw new Error(`certbot cannot run a hook whose path contains whitespace: ${bin}`);
  return `${bin} ${subcommand}`;
}

/**
 * The `skip` option for the tests of an e2e `describe` body that needs `tools` on PATH: `false` when
 * they are all there; outside CI, the reason to skip. In CI (CI set) a missing tool is a failure,
 * never a skip: this registers one failing test and returns undefined, and the body must return.
 */
export function e2eSkip(tools: readonly string[] = ['certbot', 'pebble']): string | false | undefined {
  const missing = tools.filter((t) => findOnPath(t, process.env.PATH) === undefined);
  if (missing.length === 0) return false;
  const reason = `${missing.join(' and ')} not found on PATH; install with: apt-get install -y ${missing.join(' ')}`;
  if ((process.env.CI ?? '') === '' || process.env.CI === 'false') return reason;
  it(`has ${tools.join(', ')} installed (required when CI is set)`, () => {
    assert.fail(`CI is set, so the e2e tests must run, but ${reason}`);
  });
  return undefined;
}


/** One certbot run's private directories (certbot locks each of them). */
export interface CertbotDirs {
  readonly root: string;
  readonly configDir: string;
  readonly workDir: string;
  readonly logsDir: string;
}

/** Creates `root/{config,work,logs}`. */
export async function makeCertbotDirs(root: string): Promise<CertbotDirs> {
  const dirs = {
    root,
    configDir: join(root, 'config'),
    workDir: join(root, 'work'),
    logsDir: join(root, 'logs'),
  };
  await Promise.all([dirs.configDir, dirs.workDir, dirs.logsDir].map((d) => mkdir(d, { recursive: true })));
  return dirs;
}

/** What every certbot run against one Pebble needs. */
export interface CertbotTarget {
  /** Pebble's ACME directory URL. */
  readonly server: string;
  /** Pebble's TLS CA, exported as REQUESTS_CA_BUNDLE. */
  readonly caBundle: string;
  /**
   * Environment for the hooks (certbot passes its own environment on), e.g. `sim.env()` plus
   * `ACME_GODADDY_STATE_DIR`. Inherited `GODADDY_*` / `ACME_GODADDY_*` variables are dropped first,
   * so a developer's real credentials can never reach a test run.
   */
  readonly hookEnv: Readonly<Record<string, string | undefined>>;
  /** CLI binary for the hooks. Default {@link CLI_BIN}. */
  readonly hookBin?: string;
}

/** Options shared by {@link certonly} and {@link renew}. */
export interface RunOptions {
  /** Working directory of certbot (and so of the hooks). Default: the current one. */
  readonly cwd?: string;
  /** Kill certbot (and its hooks) after this long. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** Extra certbot arguments, appended last. */
  readonly extraArgs?: readonly string[];
}

/** A certbot hook's complaint, as certbot prints it. */
export interface HookWarning {
  readonly hook: 'auth' | 'cleanup';
  /** `CERTBOT_DOMAIN` of the call (no `*.`). */
  readonly domain: string;
  /** `error-code`: the hook exited non-zero; `error-output`: it wrote to stderr. */
  readonly kind: 'error-code' | 'error-output';
  /** The exit code, or the hook's stderr (un-indented). */
  readonly detail: string;
}

/** Outcome of one certbot process. */
export interface CertbotResult {
  readonly argv: readonly string[];
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when we killed it for running past `timeoutMs`. */
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** Hook warnings found in certbot's output (should be empty on a clean run). */
  readonly hookWarnings: readonly HookWarning[];
  /** A multi-line description for assertion messages: command, exit status, output. */
  describe(): string;
}

/** `certbot certonly --manual --preferred-challenges dns` for `domains`, with our hooks. */
export function certonly(
  target: CertbotTarget,
  dirs: CertbotDirs,
  domains: readonly string[],
  opts: RunOptions = {},
): Promise<CertbotResult> {
  const bin = target.hookBin ?? CLI_BIN;
  return runCertbot(
    target,
    [
      'certonly', '--manual', '--preferred-challenges', 'dns',
      '--manual-auth-hook', hookCommand('auth', bin),
      '--manual-cleanup-hook', hookCommand('cleanup', bin),
      '--non-interactive', '--agree-tos', '-m', 'test@example.test',
      '--server', target.server,
      ...dirArgs(dirs),
      ...domains.flatMap((d) => ['-d', d]),
      ...(opts.extraArgs ?? []),
    ], // prettier-ignore
    opts,
  );
}

/** Options for {@link renew}. */
export interface RenewOptions extends RunOptions {
  /** `--force-renewal` (Pebble certs live 5 years, so a plain renew is always "not due"). */
  readonly forceRenewal?: boolean;
  /** `--dry-run --server <pebble>` (without `--server`, certbot switches to LE staging). */
  readonly dryRun?: boolean;
  /** `--cert-name`. */
  readonly certName?: string;
}

/** `certbot renew` using the hooks stored in the renewal conf. */
export function renew(target: CertbotTarget, dirs: CertbotDirs, opts: RenewOptions = {}): Promise<CertbotResult> {
  return runCertbot(
    target,
    [
      'renew', '--non-interactive', '--no-random-sleep-on-renew',
      ...dirArgs(dirs),
      ...(opts.forceRenewal === true ? ['--force-renewal'] : []),
      ...(opts.dryRun === true ? ['--dry-run', '--server', target.server] : []),
      ...(opts.certName !== undefined ? ['--cert-name', opts.certName] : []),
      ...(opts.extraArgs ?? []),
    ], // prettier-ignore
    opts,
  );
}

function dirArgs(dirs: CertbotDirs): string[] {
  return ['--config-dir', dirs.configDir, '--work-dir', dirs.workDir, '--logs-dir', dirs.logsDir];
}

/** Process groups of certbots still running, killed if this process exits first. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Spawns certbot in its own process group so that a timeout can kill its hooks too. */
export function runCertbot(
  target: CertbotTarget,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<CertbotResult> {
  const env = certbotEnv(target);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const argv = ['certbot', ...args];
  const started = performance.now();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => liveGroups.forEach(killGroup));
  }
  return new Promise((resolve, reject) => {
    // setpriv (util-linux) gives certbot a parent-death signal, so it cannot outlive a killed test run.
    const setpriv = findOnPath('setpriv', env.PATH);
    const [file, fileArgs] = setpriv !== undefined ? [setpriv, ['--pdeathsig', 'KILL', 'certbot', ...args]] : ['certbot', args];
    const child = spawn(file, fileArgs, {
      cwd: opts.cwd,
      env,
      detached: true, // own process group: certbot + `/bin/sh -c <hook>` + the hook
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not run certbot: ${e.message}`, { cause: e }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) {
        liveGroups.delete(pid);
        // Hooks that outlived certbot (certbot does not kill them) would keep writing DNS.
        killGroup(pid);
      }
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const elapsedMs = Math.round(performance.now() - started);
      resolve({
        argv,
        code,
        signal,
        timedOut,
        stdout,
        stderr,
        elapsedMs,
        hookWarnings: parseHookWarnings(`${stdout}\n${stderr}`),
        describe: () =>
          [
            `$ ${argv.join(' ')}`,
            `exit: ${code ?? signal}${timedOut ? ` (killed after ${timeoutMs} ms)` : ''}, ${elapsedMs} ms`,
            '--- stdout', stdout.trimEnd(),
            '--- stderr', stderr.trimEnd(),
          ].join('\n'), // prettier-ignore
      });
    });
  });
}

function certbotEnv(target: CertbotTarget): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(ACME_)?GODADDY_/.test(k) || k.startsWith('CERTBOT_')) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(target.hookEnv)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  env.REQUESTS_CA_BUNDLE = target.caBundle;
  return env;
}

/**
 * Hook warnings in certbot's output (certbot 2.1.0 `display/ops.py report_executed_command`):
 * `Hook '--manual-auth-hook' for example.test reported error code 1` and
 * `Hook '--manual-auth-hook' for example.test ran with error output:` followed by the hook's
 * stderr indented by one space.
 */
export function parseHookWarnings(output: string): HookWarning[] {
  const warnings: HookWarning[] = [];
  const lines = output.split('\n');
  const head = /^Hook '--manual-(auth|cleanup)-hook' for (\S+) (?:reported error code (\d+)|ran with error output:)$/;
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i] ?? '');
    if (m === null) continue;
    const hook = m[1] === 'auth' ? 'auth' : 'cleanup';
    const domain = m[2] ?? '';
    if (m[3] !== undefined) {
      warnings.push({ hook, domain, kind: 'error-code', detail: m[3] });
      continue;
    }
    const body: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1] ?? '').startsWith(' ')) body.push((lines[++i] ?? '').slice(1));
    warnings.push({ hook, domain, kind: 'error-output', detail: body.join('\n') });
  }
  return warnings;
}

/** A certificate certbot saved under `live/<lineage>/`. */
export interface IssuedCert {
  readonly lineage: string;
  readonly fullchainPath: string;
  /** The leaf. */
  readonly leaf: X509Certificate;
  /** Leaf first, then the intermediates, as in fullchain.pem. */
  readonly chain: readonly X509Certificate[];
  /** Subject alternative names without the `DNS:` prefix, in certificate order. */
  readonly sans: readonly string[];
}

/** Lineage name certbot picks for a domain list: the first name, without `*.`. */
export function lineageOf(domains: readonly string[]): string {
  return (domains[0] ?? '').replace(/^\*\./, '');
}

/** Reads `config/live/<lineage>/fullchain.pem`. */
export async function readIssuedCert(dirs: CertbotDirs, lineage: string): Promise<IssuedCert> {
  const fullchainPath = join(dirs.configDir, 'live', lineage, 'fullchain.pem');
  const chain = splitPem(await readFile(fullchainPath, 'utf8')).map((p) => new X509Certificate(p));
  const leaf = chain[0];
  if (leaf === undefined) throw new Error(`${fullchainPath} holds no certificate`);
  return { lineage, fullchainPath, leaf, chain, sans: sansOf(leaf) };
}

/** DNS names in a certificate's subjectAltName. */
export function sansOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

/**
 * Throws unless `chain` (leaf first) links, signature by signature, up to the self-signed `rootPem`,
 * and every certificate is currently valid. Returns the subjects from leaf to root.
 */
export function verifyChain(chain: readonly X509Certificate[], rootPem: string, now = new Date()): string[] {
  const root = new X509Certificate(rootPem);
  const path = [...chain];
  if (path.at(-1)?.fingerprint256 === root.fingerprint256) path.pop();
  path.push(root);
  for (let i = 0; i < path.length; i++) {
    const cert = path[i] as X509Certificate;
    const issuer = path[i + 1] ?? root;
    if (i > 0 && !cert.ca) throw new Error(`chain[${i}] (${cert.subject}) is not a CA certificate`);
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw new Error(`chain[${i}] (${cert.subject}) is not signed by ${issuer.subject}`);
    }
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
      throw new Error(`chain[${i}] (${cert.subject}) is not valid now (${cert.validFrom} – ${cert.validTo})`);
    }
  }
  return path.map((c) => c.subject.replace(/\n/g, ', '));
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** `key = value` pairs of `config/renewal/<lineage>.conf` (sections flattened). */
export async function readRenewalConf(dirs: CertbotDirs, lineage: string): Promise<Record<string, string>> {
  const text = await readFile(join(dirs.configDir, 'renewal', `${lineage}.conf`), 'utf8');
  const conf: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) conf[m[1]] = m[2];
  }
  return conf;
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'acme-godaddy') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    if (dirname(dir) === dir) throw new Error(`no acme-godaddy package.json above ${start}`);
  }
}
