import { loadConfig, requireCredentials, type Config, type Env } from '../config.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { shortValue } from '../domain/names.js';
import type { HookDeps, ReconcileResult, StatusRow } from '../app/hooks.js';
import type { Io, Flags } from './run.js';

/** Builds the real adapters from the configuration and runs one command. */
export async function runCommand(command: string, flags: Flags, env: Env, io: Io, signal: AbortSignal): Promise<ExitCodeValue> {
  if (command === 'demo') {
    const { runDemo } = await import('../demo/demo.js');
    return runDemo(io, signal);
  }
  const config = loadConfig(env);
  const verbose = flags.verbose === true;
  const log = verbose ? (message: string) => io.stderr(`acme-godaddy: ${message}\n`) : () => undefined;
  const hooks = await import('../app/hooks.js');
  const deps = await compose(config, env, signal, log, io, verbose);
  try {
    switch (command) {
      case 'auth': {
        const input = certbotInput(env, flags, 'auth');
        await hooks.auth(deps, { ...input, remaining: remaining(env, flags) });
        return ExitCode.OK;
      }
      case 'cleanup': {
        await hooks.cleanup(deps, certbotInput(env, flags, 'cleanup'));
        return ExitCode.OK;
      }
      case 'reconcile': {
        const results = await hooks.reconcile(deps, { dryRun: flags['dry-run'] === true, repair: flags.repair === true });
        io.stdout(flags.json ? `${JSON.stringify(reconcileJson(results, flags['dry-run'] === true), null, 2)}\n`
          : renderReconcile(results, flags['dry-run'] === true));
        return ExitCode.OK;
      }
      case 'status': {
        const rows = hooks.status(deps);
        io.stdout(flags.json ? `${JSON.stringify(statusJson(rows, deps.now()), null, 2)}\n` : renderStatus(rows, deps.now()));
        return ExitCode.OK;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
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
  return {
    config,
    store: new LedgerStore(config.stateDir),
    api: () => {
      if (!client) {
        const { key, secret } = requireCredentials(config);
        client = new GoDaddyClient({
          baseUrl: config.apiUrl, key, secret, timeoutMs: config.httpTimeoutMs, signal,
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

/** A live one-line progress display while waiting, for humans at a terminal only. */
function progressLine(io: Io): NonNullable<HookDeps['onWaitRound']> {
  return (pending, elapsedMs) => {
    const text = pending.length === 0 ? 'all authoritative servers serve every value'
      : `waiting ${Math.round(elapsedMs / 1000)} s: ${[...new Set(pending.map((p) => p.server.name))].join(', ')} still lagging`;
    io.stderr(`\r\x1b[2K${text}${pending.length === 0 ? '\n' : ''}`);
  };
}

function certbotInput(env: Env, flags: Flags, command: string): { domain: string; value: string } {
  const domain = flags.domain ?? env['CERTBOT_DOMAIN'];
  const value = flags.validation ?? env['CERTBOT_VALIDATION'];
  const missing = [domain ? undefined : 'CERTBOT_DOMAIN', value ? undefined : 'CERTBOT_VALIDATION'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(`${command}: ${missing.join(' and ')} not set`,
      `run this as certbot's --manual-${command}-hook, or pass --domain and --validation`);
  }
  if (!/^[\x21-\x7e]{1,255}$/.test(value!)) {
    throw new UsageError(`${command}: CERTBOT_VALIDATION must be 1-255 printable ASCII characters without spaces`);
  }
  return { domain: domain!, value: value! };
}

function remaining(env: Env, flags: Flags): number | undefined {
  const text = flags.remaining ?? env['CERTBOT_REMAINING_CHALLENGES'];
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(`auth: CERTBOT_REMAINING_CHALLENGES must be a whole number (got "${text}")`);
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
  for (const { zone, plans, repaired } of results) {
    if (repaired) {
      lines.push(`${zone}: ledger was unreadable; moved to ${repaired.backup}, kept ${repaired.kept} entr${repaired.kept === 1 ? 'y' : 'ies'}, dropped ${repaired.lost}`);
    }
    for (const p of plans) {
      const action = p.write.kind === 'none' ? 'in sync' : p.write.kind === 'put'
        ? `PUT ${p.write.records.length} value(s)` : 'DELETE';
      const drop = p.drop.length ? ` remove ${p.drop.map(shortValue).join(', ')};` : '';
      lines.push(`${zone} ${p.record}: ${dryRun && p.write.kind !== 'none' ? 'would ' : ''}${action};${drop} keep ${p.keep.length} of ours, ${p.foreign.length} foreign`);
    }
  }
  if (lines.length === 0) lines.push('nothing to reconcile');
  return `${lines.join('\n')}\n`;
}

function reconcileJson(results: readonly ReconcileResult[], dryRun: boolean): unknown {
  return {
    dryRun,
    repaired: results.filter((r) => r.repaired).map((r) => ({ zone: r.zone, ...r.repaired })),
    records: results.flatMap(({ zone, plans }) => plans.map((p) => ({
      zone, record: p.record, action: p.write.kind, keep: p.keep, remove: p.drop, foreign: p.foreign,
    }))),
  };
}
