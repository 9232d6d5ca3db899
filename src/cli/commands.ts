import { loadConfig, requireCredentials, type Config, type Env } from '../config.js';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, StateError, UsageError, exitCodeOf, oneLine, toUserLine, type ExitCodeValue } from '../errors.js';
import { DOMAIN_HINT, invalidDomainMessage, shortValue } from '../domain/names.js';
import type { HookDeps, ReconcileResult, StatusRow } from '../app/hooks.js';
import type { Io, Flags } from './run.js';
import { progressDisplay } from './progress.js';
import type { ClientCall } from './clients.js';
import { NO_AUDIT_LOG, openAuditLog, type AuditLog } from './logfile.js';

type Hooks = typeof import('../app/hooks.js');
/** Defined only in the single-file bundle (scripts/bundle.ts). */
declare const __ACME_GODADDY_VERSION__: string | undefined;

/** Builds the real adapters from the configuration and runs one command. */
export async function runCommand(command: string, flags: Flags, env: Env, io: Io, signal: AbortSignal,
  args: readonly string[] = []): Promise<ExitCodeValue> {
  if (command === 'demo') {
    if (typeof __ACME_GODADDY_VERSION__ === 'string') {
      throw new UsageError('demo needs the npm installation (it runs dist/src/main.js as child processes), not the single-file build',
        'run it from a clone: npm ci && npm run demo');
    }
    const { runDemo } = await import('../demo/demo.js');
    return runDemo(io, signal);
  }
  if (command === 'lego' || command === 'present' || command === 'dehydrated') {
    throw new UsageError(command === 'dehydrated' ? 'dehydrated: expected <event> [arguments…]' : `${command}: expected ${command === 'lego' ? 'present|cleanup ' : ''}<fqdn> <value>`,
      `see \`acme-godaddy ${command} --help\``);
  }
  const audited = command === 'auth' || command === 'cleanup' || (command === 'reconcile' && flags['dry-run'] !== true);
  return withDeps(command, flags.verbose === true, audited, env, io, signal, async (deps, hooks, audit) => {
    const { config } = deps;
    switch (command) {
      case 'auth': {
        const input = certbotInput(env, flags, 'auth');
        const left = remaining(env, flags);
        audit.write('info', `auth ${input.domain}`, { domain: input.domain, value: input.value, remaining: left ?? null });
        await hooks.auth(deps, { ...input, remaining: left });
        return ExitCode.OK;
      }
      case 'cleanup': {
        const input = certbotInput(env, flags, 'cleanup');
        audit.write('info', `cleanup ${input.domain}`, { domain: input.domain, value: input.value });
        await hooks.cleanup(deps, input);
        return ExitCode.OK;
      }
      case 'reconcile': {
        const results = await hooks.reconcile(deps, { dryRun: flags['dry-run'] === true, repair: flags.repair === true });
        io.stdout(flags.json ? `${JSON.stringify(reconcileJson(results, flags['dry-run'] === true), null, 2)}\n`
          : renderReconcile(results, flags['dry-run'] === true));
        // One line per zone that could not be reconciled; the others were done.
        const failed = results.filter((r) => r.error !== undefined);
        for (const r of failed) io.stderr(`${toUserLine(r.error).replace(/^acme-godaddy: /, `acme-godaddy: reconcile ${r.zone}: `)}\n`);
        return failed.length > 0 ? exitCodeOf(failed[0]!.error) : ExitCode.OK;
      }
      case 'status': {
        refuseOpenStateDir(config.stateDir);
        const rows = hooks.status(deps);
        io.stdout(flags.json ? `${JSON.stringify(statusJson(rows, deps.now()), null, 2)}\n` : renderStatus(rows, deps.now()));
        return ExitCode.OK;
      }
      case 'check': {
        const { hookBinary, renderCheck, runCheck } = await import('./check.js');
        const report = await runCheck(deps, args, hookBinary(process.argv[1], process.execPath));
        io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
        return report.exitCode;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  });
}

/** lego's exec provider and dehydrated's hook calls (see clients.ts), as auth/cleanup calls. */
export async function runClient(call: ClientCall, env: Env, io: Io, signal: AbortSignal): Promise<ExitCodeValue> {
  if (call.action === 'ignore') return ExitCode.OK; // dehydrated's other events: nothing to do, nothing to say
  const name = call.client === 'lego' ? `lego ${call.action}` : `dehydrated ${call.event}`;
  return withDeps(name, false, true, env, io, signal, async (deps, hooks, audit) => {
    const challenges = call.client === 'lego' ? [call.challenge] : call.challenges;
    for (const c of challenges) {
      validValue(c.value, name);
      validDomain(c.domain);
    }
    const adding = call.action === 'present' || call.action === 'deploy';
    const done: typeof challenges = [];
    for (const [i, c] of challenges.entries()) {
      audit.write('info', `${name} ${c.domain}`, { domain: c.domain, value: c.value });
      if (!adding) {
        await hooks.cleanup(deps, c);
        continue;
      }
      try {
        // lego: each call waits for its own value. dehydrated: HOOK_CHAIN=yes passes every
        // challenge at once, so write them all and wait once, with the last one.
        await hooks.auth(deps, { ...c, remaining: call.client === 'lego' ? undefined : challenges.length - 1 - i });
        done.push(c);
      } catch (err) {
        // dehydrated exits at once on a failed deploy_challenge and never calls clean_challenge:
        // take back what this call already wrote (best effort; reconcile catches the rest).
        for (const d of [c, ...done]) await hooks.cleanup(deps, d).catch(() => undefined);
        throw err;
      }
    }
    return ExitCode.OK;
  });
}

/**
 * Loads the configuration, prints its warnings once, opens the audit log, composes the adapters,
 * runs `body`, and records its outcome in the audit log.
 */
async function withDeps(command: string, verbose: boolean, audited: boolean, env: Env, io: Io, signal: AbortSignal,
  body: (deps: HookDeps, hooks: Hooks, audit: AuditLog) => Promise<ExitCodeValue>): Promise<ExitCodeValue> {
  const config = loadConfig(env);
  // One line, on every run until fixed: certbot shows hook stderr as a warning on each renewal.
  if (command !== 'check' && config.warnings.length > 0) io.stderr(`acme-godaddy: warning: ${config.warnings.join('; ')}\n`);
  const audit = audited
    ? openAuditLog(config.logFile, { pid: process.pid, command }, [config.apiKey, config.apiSecret],
      (message) => io.stderr(`acme-godaddy: warning: ${message}\n`))
    : NO_AUDIT_LOG;
  const log = (message: string): void => {
    if (verbose) io.stderr(`acme-godaddy: ${message}\n`);
    audit.write('info', message);
  };
  const hooks = await import('../app/hooks.js');
  const deps = await compose(config, env, signal, log, io, verbose);
  // Heard even without --verbose; once on stderr either way, and in the audit log.
  deps.warn = (message) => {
    io.stderr(`acme-godaddy: warning: ${message}\n`);
    audit.write('info', `warning: ${message}`);
  };
  audit.annotate({ run: deps.owner.run });
  const started = Date.now();
  try {
    const code = await body(deps, hooks, audit);
    audit.write('info', `${command} done`, { exitCode: code, ms: Date.now() - started });
    return code;
  } catch (err) {
    audit.write('error', toUserLine(err), { exitCode: exitCodeOf(err), ms: Date.now() - started });
    throw err;
  } finally {
    await deps.close();
  }
}

async function compose(config: Config, env: Env, signal: AbortSignal, log: (m: string) => void, io: Io,
  verbose: boolean): Promise<HookDeps & { close: () => Promise<void> }> {
  const { LedgerStore } = await import('../state/store.js');
  const { currentOwner } = await import('../state/owner.js');
  const { Resolver } = await import('../dns/resolver.js');
  let client: import('../godaddy/client.js').GoDaddyClient | undefined;
  const { GoDaddyClient } = await import('../godaddy/client.js');
  const { sharedPacer } = await import('../godaddy/pacer.js');
  return {
    config,
    store: new LedgerStore(config.stateDir),
    api: () => {
      if (!client) {
        const { key, secret } = requireCredentials(config);
        // One request budget per API key for every acme-godaddy process using this state directory.
        const pacer = sharedPacer({ stateDir: config.stateDir, apiUrl: config.apiUrl, key, rate: config.apiRate, log });
        client = new GoDaddyClient({
          baseUrl: config.apiUrl, key, secret, timeoutMs: config.httpTimeoutMs, signal, pacer, log,
          onRequest: (method, path, status, ms) => log(`${method} ${path} -> ${status} (${ms} ms)`),
        });
      }
      return client;
    },
    resolver: new Resolver(config.resolvers),
    owner: currentOwner(env),
    now: () => new Date(),
    signal,
    log,
    ...(io.stderrIsTty && !verbose ? { onWaitRound: progressLine(io) } : {}),
    close: async () => {
      await client?.close();
    },
  };
}

/** A live display of the propagation wait (a line per nameserver address), for humans at a terminal only. */
function progressLine(io: Io): NonNullable<HookDeps['onWaitRound']> {
  return progressDisplay({ write: io.stderr, columns: process.stderr.columns });
}

function certbotInput(env: Env, flags: Flags, command: string): { domain: string; value: string } {
  const domain = flags.domain ?? env['CERTBOT_DOMAIN'];
  const value = flags.validation ?? env['CERTBOT_VALIDATION'];
  // Name what was given: a flag, or certbot's variable (an empty --domain is not "CERTBOT_DOMAIN not set").
  const domainName = flags.domain !== undefined ? '--domain' : 'CERTBOT_DOMAIN';
  const valueName = flags.validation !== undefined ? '--validation' : 'CERTBOT_VALIDATION';
  const missing = [domain ? undefined : domainName, value ? undefined : valueName].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(`${command}: ${missing.join(' and ')} ${missing.every((m) => m!.startsWith('--')) ? 'empty' : 'not set'}`,
      `run this as certbot's --manual-${command}-hook, or pass --domain and --validation`);
  }
  validValue(value!, command, valueName);
  validDomain(domain!);
  return { domain: domain!, value: value! };
}

function validValue(value: string, command: string, what = 'the value'): void {
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new UsageError(`${command}: ${what} must be 1-255 printable ASCII characters without spaces`,
      'pass the validation string the ACME client gives (certbot: CERTBOT_VALIDATION) unchanged');
  }
}

/**
 * `status` reads the state directory without creating it; a directory (or its zones/) that group or
 * others can write to is refused like the hooks refuse it (exit 74): a ledger anyone could have
 * rewritten is not shown as if it were ours. A missing directory is fine (nothing pending).
 */
function refuseOpenStateDir(stateDir: string): void {
  for (const dir of [stateDir, path.join(stateDir, 'zones')]) {
    let mode: number;
    try {
      mode = fs.statSync(dir).mode;
    } catch {
      continue; // absent (or unreadable: reading the ledgers reports it)
    }
    if ((mode & 0o022) !== 0) {
      throw new StateError(`state directory ${dir} is writable by group or others (mode ${(mode & 0o777).toString(8)})`,
        { hint: `chmod 700 ${dir}` });
    }
  }
}

/** A domain name that cannot be one: exit 64 before any DNS lookup, API call or ledger write. */
function validDomain(domain: string): void {
  const invalid = invalidDomainMessage(domain);
  if (invalid) throw new UsageError(invalid, DOMAIN_HINT);
}

function remaining(env: Env, flags: Flags): number | undefined {
  const text = flags.remaining ?? env['CERTBOT_REMAINING_CHALLENGES'];
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\d+$/.test(text.trim())) {
    const what = flags.remaining !== undefined ? '--remaining' : 'CERTBOT_REMAINING_CHALLENGES';
    throw new UsageError(`auth: ${what} must be a whole number (got ${JSON.stringify(oneLine(text, 40))})`,
      'the number of challenges certbot has still to authorise after this one, 0 for the last');
  }
  return Number(text.trim());
}

function age(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

function renderStatus(rows: readonly StatusRow[], now: Date): string {
  if (rows.length === 0) return 'no pending values\n';
  const table = [['ZONE', 'RECORD', 'VALUE', 'STATE', 'RUN', 'AGE'],
    ...rows.map((r) => [r.zone, r.entry.record, shortValue(r.entry.value), r.stale ? `${r.entry.state} (stale)` : r.entry.state,
      r.entry.owner.run, age(r.entry.createdAt, now)])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return `${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

function statusJson(rows: readonly StatusRow[], now: Date): unknown {
  return {
    entries: rows.map((r) => ({
      zone: r.zone, record: r.entry.record, value: r.entry.value, domain: r.entry.domain, state: r.entry.state,
      stale: r.stale, run: r.entry.owner.run, createdAt: r.entry.createdAt, updatedAt: r.entry.updatedAt,
      expiresAt: r.entry.expiresAt, ageSeconds: Math.round((now.getTime() - Date.parse(r.entry.createdAt)) / 1000),
    })),
  };
}

function renderReconcile(results: readonly ReconcileResult[], dryRun: boolean): string {
  const lines: string[] = [];
  const entries = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;
  const leftAtGoDaddy = 'values they had at GoDaddy stay until certbot\'s cleanup (or `acme-godaddy cleanup --domain D --validation V`) removes them';
  // A zone that failed prints nothing here: its one line is on stderr.
  for (const { zone, plans, repaired } of results.filter((r) => r.error === undefined)) {
    if (repaired) {
      const moved = dryRun ? `ledger is unreadable; would move it to ${repaired.backup}` : `ledger was unreadable; moved to ${repaired.backup}`;
      lines.push(repaired.unparsed
        ? `${zone}: ${moved}; the file ${dryRun ? 'cannot be parsed, so its entries would be' : 'could not be parsed, so its entries are'} lost: ${leftAtGoDaddy}`
        : `${zone}: ${moved}, ${dryRun ? 'would keep' : 'kept'} ${entries(repaired.kept)}, ${dryRun ? 'would drop' : 'dropped'} ${repaired.lost}`
          + `${repaired.lost > 0 ? ` that could not be parsed: ${leftAtGoDaddy}` : ''}`);
    }
    for (const p of plans) {
      const would = dryRun ? 'would ' : '';
      if (p.zoneUnknown) {
        lines.push(`${zone} ${p.record}: GoDaddy does not know the zone (404 UNKNOWN_DOMAIN), so no value of ours is there; ${would}forget ${entries(p.dropped.length)}`);
        continue;
      }
      const action = p.write.kind === 'none' ? 'in sync at GoDaddy' : p.write.kind === 'put'
        ? `${would}PUT ${p.write.records.length} value(s)` : `${would}DELETE`;
      const drop = p.drop.length === 0 ? ''
        : p.write.kind === 'none' ? ` ${would}forget ${p.drop.length} ledger entr${p.drop.length === 1 ? 'y' : 'ies'} whose value is already gone at GoDaddy;`
        : ` ${would}remove ${p.drop.map(shortValue).join(', ')};`;
      lines.push(`${zone} ${p.record}: ${action};${drop} keep ${p.keep.length} of ours, ${p.foreign.length} foreign`);
    }
  }
  if (lines.length === 0) {
    // Only about the zones that succeeded: a failed zone is never "nothing to reconcile".
    const done = results.filter((r) => r.error === undefined).map((r) => r.zone);
    if (done.length < results.length) return done.length === 0 ? '' : `nothing to reconcile in ${done.join(', ')}\n`;
    lines.push('nothing to reconcile');
  }
  return `${lines.join('\n')}\n`;
}

function reconcileJson(results: readonly ReconcileResult[], dryRun: boolean): unknown {
  return {
    dryRun,
    repaired: results.filter((r) => r.repaired).map((r) => ({ zone: r.zone, ...r.repaired })),
    errors: results.filter((r) => r.error !== undefined).map((r) => ({ zone: r.zone, message: toUserLine(r.error) })),
    records: results.flatMap(({ zone, plans }) => plans.map((p) => ({
      zone, record: p.record, action: p.write.kind, keep: p.keep, remove: p.drop, foreign: p.foreign,
      ...(p.zoneUnknown ? { zoneUnknown: true } : {}),
    }))),
  };
}
