/**
 * `acme-godaddy check [domain…]`: everything a renewal needs, tried without changing anything at
 * GoDaddy. One line per check (`ok` / `FAIL`), then the certbot command lines to use. Exit 0 only
 * when every check passed; otherwise the exit code of the first failed check.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HookDeps } from '../app/hooks.js';
import { locate } from '../app/hooks.js';
import { DEFAULT_ENV_FILE } from '../config.js';
import { DOMAIN_HINT, invalidDomainMessage, normalizeDomain } from '../domain/names.js';
import { query, RCODE, RR } from '../dns/client.js';
import { dropUnreachable, rcodeName } from '../dns/propagation.js';
import type { Nameserver } from '../dns/resolver.js';
import { ExitCode, HookError, UsageError, exitCodeOf, oneLine, type ExitCodeValue } from '../errors.js';
import { GoDaddyApiError } from '../godaddy/client.js';

export interface CheckLine {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
  /** Exit code this failure maps to. */
  exitCode?: ExitCodeValue;
}

export interface CheckReport {
  ok: boolean;
  exitCode: ExitCodeValue;
  checks: CheckLine[];
  /** The hook command prefix certbot should store, e.g. `/usr/local/bin/acme-godaddy`. */
  binary: string;
  certbot: string[];
  note?: string;
}

export async function runCheck(deps: HookDeps, domains: readonly string[],
  hook: { command: string; script: string }): Promise<CheckReport> {
  const binary = hook.command;
  const checks: CheckLine[] = [];
  const ok = (name: string, detail: string): void => {
    checks.push({ name, ok: true, detail });
  };
  const fail = (name: string, err: unknown, fallback: ExitCodeValue = ExitCode.DATA): void => {
    if (err instanceof HookError) {
      checks.push({ name, ok: false, detail: err.message, exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}) });
    } else if (typeof err === 'object' && err !== null && 'detail' in err) {
      checks.push({ name, ok: false, exitCode: fallback, ...(err as { detail: string; hint?: string }) });
    } else {
      checks.push({ name, ok: false, detail: oneLine(err instanceof Error ? err.message : String(err)), exitCode: exitCodeOf(err) });
    }
  };
  const { config } = deps;

  ok('configuration', `${config.envFile ? `env file ${config.envFile}${modeOf(config.envFile)}` : `no env file (${DEFAULT_ENV_FILE} absent)`}; API ${config.apiUrl.origin}`);
  for (const warning of config.warnings) fail('file permissions', { detail: warning, hint: 'anyone who can read it can change your DNS' }, ExitCode.CONFIG);
  const haveCredentials = config.apiKey !== undefined && config.apiSecret !== undefined;
  if (haveCredentials) {
    ok('credentials', 'GODADDY_API_KEY and GODADDY_API_SECRET are set (values not shown)');
  } else {
    const missing = [config.apiKey ? '' : 'GODADDY_API_KEY', config.apiSecret ? '' : 'GODADDY_API_SECRET'].filter(Boolean);
    fail('credentials', new HookError('CONFIG', ExitCode.CONFIG, `${missing.join(' and ')} not set (nor ${missing.map((m) => `${m}_FILE`).join(', ')})`,
      { hint: `put them in ${config.envFile ?? DEFAULT_ENV_FILE} (mode 600)` }));
  }
  checkState(deps, ok, fail);
  if (/\s/.test(hook.script)) {
    fail('hook command', { detail: `${hook.script} contains whitespace; certbot splits hook commands at spaces and cannot run it`,
      hint: 'install or link acme-godaddy to a path without spaces, e.g. /usr/local/bin/acme-godaddy' }, ExitCode.CONFIG);
  } else {
    ok('hook command', `${binary} (absolute; certbot stores it in the renewal configuration)`);
  }

  const zonesDone = new Set<string>();
  // `example.com` and `*.example.com` share one challenge name: check it once.
  const unique = [...new Map(domains.map((d) => [normalizeDomain(d), d])).values()];
  for (const raw of unique) {
    let zone: string;
    let record: string;
    // The API line is named after the domain checked, like its zone line: the GET is of its record.
    let label: string;
    const invalid = invalidDomainMessage(raw);
    if (invalid) {
      fail(`${raw}: zone`, new UsageError(invalid, DOMAIN_HINT));
      continue;
    }
    try {
      // The zone first, without the delegation check, so that a zone served elsewhere still gets
      // its API and nameserver lines.
      const found = await locate({ ...deps, config: { ...config, delegationCheck: false } }, raw);
      ({ zone, record } = found);
      label = found.domain;
      ok(`${found.domain}: zone`, `${found.alias ? `${found.alias} is a CNAME to ${found.fqdn}, ` : `${found.fqdn} is `}in zone ${zone} (record ${record})`);
    } catch (err) {
      fail(`${raw}: zone`, err);
      continue;
    }
    if (haveCredentials) {
      try {
        const values = await deps.api().getTxt(zone, record);
        ok(`${label}: GoDaddy API`, `credentials accepted; GET ${record} in ${zone} answered with ${values.length} TXT value(s)`);
      } catch (err) {
        fail(`${label}: GoDaddy API`, explainApiError(err, zone));
      }
    }
    if (zonesDone.has(zone)) continue;
    zonesDone.add(zone);
    await checkDelegation(deps, raw, zone, ok, fail);
    await checkAuthoritative(deps, zone, ok, fail);
  }

  const failed = checks.find((c) => !c.ok);
  const certbot = certbotLines(binary, domains);
  return {
    ok: failed === undefined,
    exitCode: failed?.exitCode ?? ExitCode.OK,
    checks,
    binary,
    certbot,
    ...(domains.length === 0 ? { note: 'no domain given: GoDaddy API access and DNS were not checked (run: acme-godaddy check example.com)' } : {}),
  };
}

function modeOf(file: string): string {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? ` (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')})` : '';
  } catch {
    return '';
  }
}

type Ok = (name: string, detail: string) => void;
type Fail = (name: string, err: unknown, fallback?: ExitCodeValue) => void;

/** The state directory: created if needed, writable (a probe file), every ledger readable. */
function checkState(deps: HookDeps, ok: Ok, fail: Fail): void {
  const name = `state directory ${deps.store.stateDir}`;
  try {
    deps.store.ensureDir();
    const probe = path.join(deps.store.zonesDir, `.check-${process.pid}`);
    try {
      fs.writeFileSync(probe, '', { mode: 0o600 });
    } finally {
      fs.rmSync(probe, { force: true });
    }
    const zones = deps.store.zones();
    const entries = zones.reduce((n, zone) => n + deps.store.read(zone).entries.length, 0);
    ok(name, `writable; ${zones.length} ledger(s) readable, ${entries} pending value(s)${entries ? ' (see acme-godaddy status)' : ''}`);
  } catch (err) {
    if (err instanceof HookError) return fail(name, err);
    fail(name, new HookError('STATE', ExitCode.STATE, `not usable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { hint: 'run as the user the hooks run as (root for certbot), or set ACME_GODADDY_STATE_DIR' }));
  }
}

function explainApiError(err: unknown, zone: string): unknown {
  if (!(err instanceof GoDaddyApiError)) return err;
  if (err.status === 401) {
    return new HookError(err.code, err.exitCode, `credentials refused: ${err.message}`,
      { hint: 'wrong key or secret, or an OTE key used against production (or the reverse): keys for api.godaddy.com and api.ote-godaddy.com differ' });
  }
  if (err.status === 403) {
    return new HookError(err.code, err.exitCode, `credentials accepted but access denied: ${err.message}`,
      { hint: `since 2024 GoDaddy opens the DNS API only to accounts that meet its eligibility rules (a minimum number of domains or a Discount Domain Club plan), or this key has no rights to ${zone}; ask GoDaddy support, or CNAME _acme-challenge to a zone hosted elsewhere` });
  }
  if (err.status === 404 && err.apiCode === 'UNKNOWN_DOMAIN') {
    return new HookError(err.code, err.exitCode, `zone ${zone} is not in this GoDaddy account: ${err.message}`,
      { hint: 'use the key of the account that holds the domain; GoDaddy does not host delegated sub-zones' });
  }
  return err;
}

/** The hooks refuse a zone whose public NS set is not GoDaddy's (locate()); show that verdict. */
async function checkDelegation(deps: HookDeps, domain: string, zone: string, ok: Ok, fail: Fail): Promise<void> {
  const name = `${zone}: delegation`;
  if (!deps.config.delegationCheck) {
    ok(name, 'not checked (ACME_GODADDY_DELEGATION_CHECK=off)');
    return;
  }
  try {
    await locate(deps, domain);
    ok(name, `served by GoDaddy: ${(await deps.resolver.nameserverNames(zone)).join(', ')}`);
  } catch (err) {
    fail(name, err);
  }
}

/** Every address of every authoritative server answers an SOA query for the zone, without recursion. */
async function checkAuthoritative(deps: HookDeps, zone: string, ok: Ok, fail: Fail): Promise<void> {
  const name = `${zone}: authoritative servers`;
  try {
    const found: Nameserver[] = deps.config.nameservers
      ? await deps.resolver.configuredServers(deps.config.nameservers)
      : await deps.resolver.authoritativeServers(zone, deps.config.dnsPort);
    const { usable, dropped } = await dropUnreachable(found);
    const results = await Promise.all(usable.map(async (server) => {
      const started = Date.now();
      try {
        const answer = await query({ host: server.address, port: server.port }, zone, RR.SOA, { recursive: false, timeoutMs: 2000 });
        const good = answer.rcode === RCODE.NOERROR && answer.answers.some((r) => r.type === RR.SOA);
        return { server, problem: good ? undefined : answer.rcode === RCODE.NOERROR ? 'no SOA in the answer' : rcodeName(answer.rcode), ms: Date.now() - started };
      } catch (err) {
        return { server, problem: (err as Error).message, ms: Date.now() - started };
      }
    }));
    const where = (s: Nameserver): string => (s.name === s.address ? `${s.address}:${s.port}` : `${s.name} (${s.address}:${s.port})`);
    const bad = results.filter((r) => r.problem !== undefined);
    const skipped = dropped.length ? `; skipped ${dropped.length} IPv6 address(es) this host cannot reach` : '';
    if (usable.length === 0) {
      fail(name, new HookError('DNS', ExitCode.DATA, `no reachable authoritative server for ${zone}${skipped}`));
    } else if (bad.length > 0) {
      fail(name, new HookError('DNS', ExitCode.DATA,
        `${bad.length} of ${results.length} do not answer: ${bad.map((r) => `${where(r.server)}: ${r.problem}`).join('; ')}`,
        { hint: 'the propagation wait would time out on these; check ACME_GODADDY_DNS_PORT / ACME_GODADDY_NAMESERVERS and the firewall (UDP and TCP 53)' }));
    } else {
      ok(name, `${results.length} of ${results.length} answer: ${results.map((r) => `${where(r.server)} ${r.ms} ms`).join(', ')}${skipped}`);
    }
  } catch (err) {
    fail(name, err);
  }
}

/**
 * How certbot should call us: the path the user ran, made absolute (a symlink such as
 * /usr/local/bin/acme-godaddy is kept, so upgrades behind it need no change); prefixed with node
 * when the file is not executable (e.g. `node acme-godaddy.mjs`).
 */
export function hookBinary(argv1: string | undefined, execPath: string, cwd = process.cwd()): { command: string; script: string } {
  const script = argv1 ? path.resolve(cwd, argv1) : '/usr/local/bin/acme-godaddy';
  try {
    fs.accessSync(script, fs.constants.X_OK);
    return { command: script, script };
  } catch {
    return { command: `${execPath} ${script}`, script };
  }
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function certbotLines(binary: string, domains: readonly string[]): string[] {
  const names = domains.length > 0 ? domains : ['example.com', '*.example.com'];
  return [
    'certbot certonly --manual --preferred-challenges dns \\',
    `  --manual-auth-hook "${binary} auth" \\`,
    `  --manual-cleanup-hook "${binary} cleanup" \\`,
    `  ${names.map((d) => `-d ${shellWord(d)}`).join(' ')}`,
    'certbot renew --dry-run    # later renewals reuse the hooks stored in /etc/letsencrypt/renewal/<name>.conf',
  ];
}

export function renderCheck(report: CheckReport): string {
  const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}${c.hint ? ` (hint: ${c.hint})` : ''}`);
  if (report.note) lines.push(`note  ${report.note}`);
  lines.push('', 'certbot command lines:', ...report.certbot.map((l) => `  ${l}`));
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  return `${lines.join('\n')}\n`;
}
