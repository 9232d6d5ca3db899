import type { Config } from '../config.js';
import { ExitCode, HookError } from '../errors.js';
import {
  intendAdd, intendRemove, findEntry, recordsOf, type Ledger, type LedgerEntry, type Owner,
} from '../domain/ledger.js';
import { planRecord, settle, verifyPlan, type RecordPlan } from '../domain/plan.js';
import { absoluteName, challengeName, invalidDomainReason, normalizeDomain, relativeName } from '../domain/names.js';
import type { TxtApi } from '../godaddy/client.js';
import { GoDaddyApiError } from '../godaddy/client.js';
import type { LedgerStore } from '../state/store.js';
import { withLock } from '../state/lock.js';
import { isOwnerGone } from '../state/owner.js';
import type { Resolver, Nameserver } from '../dns/resolver.js';
import { dropUnreachable, sleep, waitForPropagation, type PendingCheck, type WaitResult } from '../dns/propagation.js';
import { StateError, UsageError } from '../errors.js';

/** How long an entry may live when its run's end cannot be observed (no certbot PID to watch). */
export const ENTRY_LIFETIME_MS = 6 * 3600 * 1000;

export interface HookDeps {
  config: Config;
  store: LedgerStore;
  /** Created on first use: status and dry runs need no credentials until they touch the API. */
  api: () => TxtApi;
  resolver: Resolver;
  owner: Owner;
  now: () => Date;
  signal: AbortSignal;
  /** Verbose diagnostics (stderr with --verbose; silent otherwise). */
  log: (message: string) => void;
  onWaitRound?: (pending: readonly PendingCheck[], elapsedMs: number) => void;
}

export interface Challenge {
  domain: string;
  zone: string;
  record: string;
  fqdn: string;
}

export interface AuthInput {
  domain: string;
  value: string;
  /** CERTBOT_REMAINING_CHALLENGES; undefined when the client does not say (then every call waits). */
  remaining: number | undefined;
}

export interface AuthResult {
  challenge: Challenge;
  wrote: boolean;
  waited: WaitResult | undefined;
}

/** `auth`: make the value live at GoDaddy (union write), then, once per run, wait for propagation. */
export async function auth(deps: HookDeps, input: AuthInput): Promise<AuthResult> {
  const challenge = await locate(deps, input.domain);
  deps.store.ensureDir();
  const key = { record: challenge.record, value: input.value, domain: challenge.domain, owner: deps.owner };
  // Phase 1, a few milliseconds under the lock: write the intent. Hooks queued behind a holder
  // that is talking to GoDaddy get their values into that holder's write this way (group commit).
  await mutate(deps, challenge.zone, (ledger) => intendAdd(ledger, key, deps.now(), ENTRY_LIFETIME_MS));
  const wrote = await syncRecord(deps, challenge.zone, challenge.record,
    (ledger) => findEntry(ledger, challenge.record, input.value)?.state === 'live');
  if (input.remaining !== undefined && input.remaining > 0) {
    deps.log(`${challenge.fqdn}: value live at GoDaddy; ${input.remaining} more challenge(s) before the propagation wait`);
    return { challenge, wrote, waited: undefined };
  }
  const targets = input.remaining === undefined
    ? [{ zone: challenge.zone, record: challenge.record, value: input.value }]
    : liveValuesOfRun(deps, deps.owner.run);
  const waited = await waitFor(deps, targets);
  return { challenge, wrote, waited };
}

/** `cleanup`: remove this value, and only this value, from its record. Never waits for DNS. */
export async function cleanup(deps: HookDeps, input: { domain: string; value: string }): Promise<Challenge> {
  const challenge = locateInLedger(deps, input.domain, input.value) ?? await locate(deps, input.domain);
  deps.store.ensureDir();
  const key = { record: challenge.record, value: input.value, domain: challenge.domain, owner: deps.owner };
  await mutate(deps, challenge.zone, (ledger) => intendRemove(ledger, key, deps.now()));
  await syncRecord(deps, challenge.zone, challenge.record,
    (ledger) => findEntry(ledger, challenge.record, input.value) === undefined);
  return challenge;
}

export interface ReconcileResult {
  zone: string;
  plans: RecordPlan[];
  repaired?: { backup: string; kept: number; lost: number };
}

/** `reconcile`: for every record in every ledger, remove stale values and restore live ones. */
export async function reconcile(deps: HookDeps, options: { dryRun: boolean; repair?: boolean }): Promise<ReconcileResult[]> {
  const results: ReconcileResult[] = [];
  for (const zone of deps.store.zones()) {
    let repaired: ReconcileResult['repaired'];
    if (options.repair && !options.dryRun) {
      await withLock(deps.store.ledgerPath(zone), lockOptions(deps), async () => {
        try {
          deps.store.read(zone);
        } catch (err) {
          if (!(err instanceof StateError)) throw err;
          repaired = deps.store.repair(zone, deps.now());
        }
      });
    }
    const ledger = deps.store.read(zone);
    const plans: RecordPlan[] = [];
    for (const record of recordsOf(ledger)) {
      if (options.dryRun) {
        const current = await deps.api().getTxt(zone, record);
        plans.push(planRecord(record, ledger.entries, current, stalePredicate(deps), deps.config.ttl));
      } else {
        await syncRecord(deps, zone, record, () => false, (plan) => plans.push(plan));
      }
    }
    results.push(repaired ? { zone, plans, repaired } : { zone, plans });
  }
  return results;
}

export interface StatusRow {
  zone: string;
  entry: LedgerEntry;
  stale: boolean;
}

export function status(deps: Pick<HookDeps, 'store' | 'now'>): StatusRow[] {
  const now = deps.now();
  return deps.store.zones().flatMap((zone) => deps.store.read(zone).entries.map((entry) => ({
    zone, entry, stale: isStale(entry, now, new Map()),
  })));
}

/**
 * Brings one record in line with the ledger under the zone lock: GET, plan, PUT or DELETE when
 * something changes, read back to verify, then record the outcome. `done` lets a queued hook see
 * that an earlier holder already wrote its value and skip its own write. Returns whether it wrote.
 */
async function syncRecord(deps: HookDeps, zone: string, record: string, done: (ledger: Ledger) => boolean,
  onPlan?: (plan: RecordPlan) => void): Promise<boolean> {
  // Two locks per zone: the writer lock is held across GoDaddy's read-modify-write; the ledger lock
  // only for the milliseconds of a ledger update. Hooks can therefore record their intent while a
  // writer is talking to GoDaddy, and that writer's union picks them up. Order: writer, then ledger.
  return withLock(`${deps.store.ledgerPath(zone)}.writer`, lockOptions(deps), async (assertHeld) => {
    if (done(deps.store.read(zone))) {
      deps.log(`${absoluteName(record, zone)}: already written by another hook (group commit)`);
      return false;
    }
    const api = deps.api();
    const current = await api.getTxt(zone, record);
    // Read the ledger after the GET: intents recorded meanwhile join this write.
    const plan = planRecord(record, deps.store.read(zone).entries, current, stalePredicate(deps), deps.config.ttl);
    onPlan?.(plan);
    if (plan.write.kind !== 'none') {
      assertHeld();
      deps.log(`${absoluteName(record, zone)}: ${plan.write.kind.toUpperCase()} keep=${plan.keep.length} drop=${plan.drop.length} foreign=${plan.foreign.length}`);
      if (plan.write.kind === 'put') {
        await api.putTxt(zone, record, plan.write.records);
      } else {
        await deleteIgnoringMissing(api, zone, record);
      }
      await verify(deps, api, zone, record, plan);
    }
    assertHeld();
    await mutate(deps, zone, (ledger) => settle(ledger, plan, deps.now()));
    return plan.write.kind !== 'none';
  });
}

async function deleteIgnoringMissing(api: TxtApi, zone: string, record: string): Promise<void> {
  try {
    await api.deleteTxt(zone, record);
  } catch (err) {
    if (err instanceof GoDaddyApiError && err.status === 404 && err.apiCode !== 'UNKNOWN_DOMAIN') return;
    throw err;
  }
}

/** Reads the RRset back until it matches the plan (GoDaddy may serve a stale read for a moment). */
async function verify(deps: HookDeps, api: TxtApi, zone: string, record: string, plan: RecordPlan): Promise<void> {
  let problem: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await sleep(300 * attempt, deps.signal);
    problem = verifyPlan(plan, await api.getTxt(zone, record));
    if (!problem) return;
  }
  throw new HookError('GODADDY_VERIFY', ExitCode.UNAVAILABLE,
    `GoDaddy accepted the write to ${record} in ${zone} but reading it back shows it ${problem}`,
    { hint: 'another tool may be editing this name at the same time; run `acme-godaddy reconcile`' });
}

async function mutate(deps: HookDeps, zone: string, change: (ledger: Ledger) => Ledger): Promise<void> {
  await withLock(deps.store.ledgerPath(zone), lockOptions(deps), async () => {
    deps.store.write(change(deps.store.read(zone)));
  });
}

function lockOptions(deps: HookDeps): { timeoutMs: number; signal: AbortSignal } {
  return { timeoutMs: deps.config.lockTimeoutMs, signal: deps.signal };
}

function stalePredicate(deps: HookDeps): (entry: LedgerEntry) => boolean {
  const now = deps.now();
  const cache = new Map<string, boolean>();
  return (entry) => isStale(entry, now, cache);
}

function isStale(entry: LedgerEntry, now: Date, cache: Map<string, boolean>): boolean {
  if (now.getTime() >= Date.parse(entry.expiresAt)) return true;
  let gone = cache.get(entry.owner.run);
  if (gone === undefined) {
    gone = isOwnerGone(entry.owner);
    cache.set(entry.owner.run, gone);
  }
  return gone;
}

/** Zone and relative record name for a domain, found by an SOA walk through the resolvers. */
export async function locate(deps: Pick<HookDeps, 'resolver'>, rawDomain: string): Promise<Challenge> {
  const domain = normalizeDomain(rawDomain);
  const invalid = invalidDomainReason(domain);
  if (invalid) throw new UsageError(`domain "${rawDomain}" ${invalid}`);
  const fqdn = challengeName(domain);
  const zone = await deps.resolver.findZone(fqdn);
  return { domain, zone, record: relativeName(fqdn, zone), fqdn };
}

/** A cleanup finds its value in the ledger without asking DNS again. */
function locateInLedger(deps: HookDeps, rawDomain: string, value: string): Challenge | undefined {
  const domain = normalizeDomain(rawDomain);
  const fqdn = challengeName(domain);
  for (const zone of deps.store.zones()) {
    if (!fqdn.endsWith(`.${zone}`)) continue;
    const record = relativeName(fqdn, zone);
    if (findEntry(deps.store.read(zone), record, value)) return { domain, zone, record, fqdn };
  }
  return undefined;
}

interface WaitTarget {
  zone: string;
  record: string;
  value: string;
}

function liveValuesOfRun(deps: HookDeps, run: string): WaitTarget[] {
  return deps.store.zones().flatMap((zone) => deps.store.read(zone).entries
    .filter((e) => e.owner.run === run && e.state === 'live')
    .map((e) => ({ zone, record: e.record, value: e.value })));
}

async function waitFor(deps: HookDeps, targets: readonly WaitTarget[]): Promise<WaitResult> {
  const zones = [...new Set(targets.map((t) => t.zone))];
  const serversByZone = new Map<string, Nameserver[]>();
  await Promise.all(zones.map(async (zone) => {
    const found = deps.config.nameservers
      ? await deps.resolver.configuredServers(deps.config.nameservers)
      : await deps.resolver.authoritativeServers(zone, deps.config.dnsPort);
    const { usable, dropped } = await dropUnreachable(found);
    if (dropped.length > 0) deps.log(`${zone}: skipping unreachable ${dropped.map((s) => s.address).join(', ')}`);
    if (usable.length === 0) {
      throw new HookError('DNS', ExitCode.DATA, `no reachable authoritative nameserver for ${zone}`);
    }
    serversByZone.set(zone, usable);
  }));
  const byName = new Map<string, { fqdn: string; values: string[]; servers: Nameserver[] }>();
  for (const t of targets) {
    const fqdn = absoluteName(t.record, t.zone);
    const item = byName.get(fqdn) ?? { fqdn, values: [], servers: serversByZone.get(t.zone)! };
    item.values.push(t.value);
    byName.set(fqdn, item);
  }
  deps.log(`waiting for ${targets.length} value(s) on ${[...serversByZone.values()].flat().length} server address(es)`);
  const result = await waitForPropagation([...byName.values()], {
    timeoutMs: deps.config.propagationTimeoutMs,
    pollIntervalMs: deps.config.pollIntervalMs,
    signal: deps.signal,
    onRound: deps.onWaitRound,
  });
  deps.log(`propagated after ${result.elapsedMs} ms (${result.rounds} round(s), ${result.checks} queries)`);
  return result;
}
