import type { Config } from '../config.js';
import { ExitCode, HookError } from '../errors.js';
import {
  intendAdd, intendRemove, findEntry, recordsOf, type Ledger, type LedgerEntry, type Owner,
} from '../domain/ledger.js';
import { isPlaceholder, planRecord, settle, verifyPlan, type RecordPlan } from '../domain/plan.js';
import { absoluteName, challengeName, invalidDomainReason, isSelfOrAncestor, quoteDomainInput, DOMAIN_HINT, normalizeDomain, relativeName, shortValue } from '../domain/names.js';
import type { TxtApi } from '../godaddy/client.js';
import { GoDaddyApiError } from '../godaddy/client.js';
import type { LedgerStore, RepairOutcome } from '../state/store.js';
import { withLock, withLockUnless, type LockOptions } from '../state/lock.js';
import { pausePoint } from '../state/testpoint.js';
import { isOwnerGone } from '../state/owner.js';
import type { Resolver, Nameserver } from '../dns/resolver.js';
import { dropUnreachable, sleep, waitForPropagation, type WaitOptions, type WaitResult } from '../dns/propagation.js';
import { InterruptedError, StateError, UsageError } from '../errors.js';

/** A dns-01 TXT value: base64url of a SHA-256 digest (RFC 8555 §8.4). */
const ACME_TOKEN = /^[A-Za-z0-9_-]{43}$/;

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
  /** Something the operator must hear about even though the hook succeeds (one stderr line). */
  warn?: (message: string) => void;
  /** Progress of the propagation wait (the TTY progress display). */
  onWaitRound?: WaitOptions['onRound'];
}

export interface Challenge {
  domain: string;
  zone: string;
  record: string;
  /** Where the TXT value goes: `_acme-challenge.<domain>`, or the end of its CNAME chain. */
  fqdn: string;
  /** `_acme-challenge.<domain>` when it is a CNAME for `fqdn`. */
  alias?: string;
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
  deps.api(); // missing credentials are reported before any DNS or state work
  const challenge = await locate(deps, input.domain);
  deps.store.ensureDir();
  const key = { record: challenge.record, value: input.value, domain: challenge.domain, owner: deps.owner };
  // Phase 1, a few milliseconds under the lock: write the intent. Hooks queued behind a holder
  // that is talking to GoDaddy get their values into that holder's write this way (group commit).
  await mutate(deps, challenge.zone, (ledger) => intendAdd(ledger, key, deps.now(), ENTRY_LIFETIME_MS), 'intent');
  let wrote: boolean;
  try {
    wrote = await syncRecord(deps, challenge.zone, challenge.record,
      (ledger) => findEntry(ledger, challenge.record, input.value)?.state === 'live');
  } catch (err) {
    // Whatever went wrong, certbot will not use this value: withdraw it so that neither the next
    // writer nor `reconcile` publishes it.
    await withdrawIntent(deps, challenge, input.value);
    throw err;
  }
  pausePoint('auth:synced');
  if (input.remaining !== undefined && input.remaining > 0) {
    deps.log(`${challenge.fqdn}: value live at GoDaddy; ${input.remaining} more challenge(s) before the propagation wait`);
    return { challenge, wrote, waited: undefined };
  }
  const targets = input.remaining === undefined
    ? [{ zone: challenge.zone, record: challenge.record, value: input.value }]
    : liveValuesOfRun(deps, deps.owner.run);
  const watch = watchRunEnd(deps);
  try {
    const waited = await waitFor({ ...deps, signal: watch.signal }, targets);
    return { challenge, wrote, waited };
  } finally {
    watch.stop();
  }
}

/**
 * Aborts the propagation wait when the run it serves is over (certbot killed: nobody will ask the
 * CA to validate), instead of polling until the timeout for values that are being swept.
 */
function watchRunEnd(deps: HookDeps): { signal: AbortSignal; stop: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(deps.signal.reason);
  if (deps.signal.aborted) forward();
  deps.signal.addEventListener('abort', forward, { once: true });
  const timer = deps.owner.pid === undefined ? undefined : setInterval(() => {
    if (isOwnerGone(deps.owner)) controller.abort(`the end of its certbot run (pid ${deps.owner.pid} exited)`);
  }, 1000);
  timer?.unref();
  return {
    signal: controller.signal,
    stop: () => {
      if (timer) clearInterval(timer);
      deps.signal.removeEventListener('abort', forward);
    },
  };
}

/**
 * `cleanup`: remove this value, and only this value, from its record. Never waits for DNS. A value
 * the ledger does not know (its entry lost, e.g. with a ledger that `reconcile --repair` could not
 * parse) is removed too when it is shaped like an ACME token (a unique random value) or a ledger
 * moved aside by the repair still holds it: a `removing` intent is recorded first, as for any other.
 */
export async function cleanup(deps: HookDeps, input: { domain: string; value: string }): Promise<Challenge | undefined> {
  deps.api(); // missing credentials are reported before any DNS or state work
  const known = locateInLedger(deps, input.domain, input.value);
  if (!known && !ACME_TOKEN.test(input.value) && !inRepairedBackup(deps, input.domain, input.value)) {
    // Not ours and not shaped like an ACME token: never remove someone else's value by name.
    const why = `cleanup: ${quoteDomainInput(input.value)} is not in the ledger and is not shaped like an ACME token, so it may be another tool's value; left it alone at ${challengeName(normalizeDomain(input.domain))}`;
    if (deps.warn) deps.warn(`${why} (remove it in GoDaddy's DNS manager if it is yours)`);
    else deps.log(why);
    return undefined;
  }
  const challenge = known ?? await locate(deps, input.domain);
  deps.store.ensureDir();
  const key = { record: challenge.record, value: input.value, domain: challenge.domain, owner: deps.owner };
  await mutate(deps, challenge.zone, (ledger) => intendRemove(ledger, key, deps.now()), 'intent');
  await syncRecord(deps, challenge.zone, challenge.record,
    (ledger) => findEntry(ledger, challenge.record, input.value) === undefined);
  return challenge;
}

/**
 * An auth interrupted by a signal before its value went live withdraws its intent (`adding` ->
 * `removing`), so that no other hook publishes a value nobody waits for; the next write to the
 * record (or the run's cleanup, or `reconcile`) removes it if a PUT in flight did land. Best
 * effort, under the ledger lock for at most 2 s: if it fails the entry stays `adding`, which is
 * consistent too (the run's cleanup or, once the run is over, any write removes it).
 */
async function withdrawIntent(deps: HookDeps, challenge: Challenge, value: string): Promise<void> {
  try {
    await withLock(deps.store.ledgerPath(challenge.zone), { timeoutMs: 2000 }, async () => {
      const ledger = deps.store.read(challenge.zone);
      const entry = findEntry(ledger, challenge.record, value);
      if (entry?.state !== 'adding' || entry.owner.run !== deps.owner.run) return;
      deps.store.write(intendRemove(ledger, { record: challenge.record, value, domain: challenge.domain, owner: deps.owner }, deps.now()));
    });
  } catch {
    // see above
  }
}

export interface ReconcileResult {
  zone: string;
  plans: RecordPlan[];
  /** What `--repair` did to an unreadable ledger (with `--dry-run`: what it would do). */
  repaired?: RepairOutcome;
  /** Why this zone could not be reconciled; the other zones are still done. */
  error?: unknown;
}

/** `reconcile`: for every record in every ledger, remove stale values and restore live ones. */
export async function reconcile(deps: HookDeps, options: { dryRun: boolean; repair?: boolean }): Promise<ReconcileResult[]> {
  const results: ReconcileResult[] = [];
  for (const zone of deps.store.zones()) {
    try {
      results.push(await reconcileZone(deps, zone, options));
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      results.push({ zone, plans: [], error: err });
    }
  }
  return results;
}

async function reconcileZone(deps: HookDeps, zone: string, options: { dryRun: boolean; repair?: boolean }): Promise<ReconcileResult> {
  let repaired: ReconcileResult['repaired'];
  /** With `--repair --dry-run`: the ledger as the repair would rebuild it. */
  let salvaged: Ledger | undefined;
  if (options.repair && options.dryRun) {
    try {
      deps.store.read(zone);
    } catch (err) {
      if (!(err instanceof StateError)) throw err;
      ({ ledger: salvaged, ...repaired } = deps.store.salvage(zone, deps.now()));
    }
  } else if (options.repair) {
    await withLock(deps.store.ledgerPath(zone), lockOptions(deps, 'ledger'), async () => {
      try {
        deps.store.read(zone);
      } catch (err) {
        if (!(err instanceof StateError)) throw err;
        repaired = deps.store.repair(zone, deps.now());
      }
    });
  }
  if (!options.dryRun) {
    // Leftovers of hooks killed mid-write: temp ledger files, and the locks of dead holders.
    // Taking a lock removes a dead holder's (and abandoned lock directories); passing through the
    // writer lock as well leaves none behind even when no record of the zone needs a write.
    await withLock(`${deps.store.ledgerPath(zone)}.writer`, lockOptions(deps, 'writer'), async () => undefined);
    await withLock(deps.store.ledgerPath(zone), lockOptions(deps, 'ledger'), async () => deps.store.sweepTemp(zone));
  }
  const ledger = salvaged ?? deps.store.read(zone);
  const plans: RecordPlan[] = [];
  for (const record of recordsOf(ledger)) {
    if (options.dryRun) {
      let current: Awaited<ReturnType<TxtApi['getTxt']>>;
      try {
        current = await deps.api().getTxt(zone, record);
      } catch (err) {
        plans.push(unknownZonePlan(deps, zone, record, ledger.entries, err));
        continue;
      }
      plans.push(planRecord(record, ledger.entries, current, stalePredicate(deps), deps.config.ttl));
    } else {
      await syncRecord(deps, zone, record, () => false, { onPlan: (plan) => plans.push(plan), rounds: 1 });
    }
  }
  return repaired ? { zone, plans, repaired } : { zone, plans };
}

/**
 * GoDaddy answered 404 UNKNOWN_DOMAIN for the zone (not in this key's account, or no zone file):
 * nothing can be at GoDaddy there, ours included. When no value of ours is wanted at the record
 * (every entry is being removed or stale), the plan is to forget those entries without a write;
 * otherwise, or for any other error, `err` is rethrown.
 */
function unknownZonePlan(deps: HookDeps, zone: string, record: string, entries: readonly LedgerEntry[], err: unknown): RecordPlan {
  if (!(err instanceof GoDaddyApiError && err.status === 404 && err.apiCode === 'UNKNOWN_DOMAIN')) throw err;
  const plan = planRecord(record, entries, [], stalePredicate(deps), deps.config.ttl);
  if (plan.keep.length > 0) throw err;
  deps.log(`${absoluteName(record, zone)}: GoDaddy does not know zone ${zone} (404 UNKNOWN_DOMAIN), so no value of ours can be there; `
    + `${plan.dropped.length} ledger entr${plan.dropped.length === 1 ? 'y' : 'ies'} to forget without a write`);
  return { ...plan, zoneUnknown: true };
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

/** Write rounds one writer may do before it hands the writer lock on (group commit, see syncRecord). */
const MAX_WRITE_ROUNDS = 8;
/** Longest pause between two write rounds of one writer while a burst of hooks is arriving. */
const MAX_LINGER_MS = 500;

/**
 * Brings one record in line with the ledger under the zone's writer lock: GET, plan, PUT or DELETE
 * when something changes, read back to verify, then record the outcome. Returns whether it wrote.
 *
 * Group commit, three ways, so K hooks on one name cost far fewer than K writes:
 * - while waiting for the writer lock, a hook re-reads the ledger (`done`); once an earlier writer
 *   made its value live (or removed it) it returns without ever taking the lock;
 * - the writer reads the ledger after its GET, so intents recorded meanwhile join its write;
 * - after a verified write the writer re-plans with the ledger as it is now and the RRset it just
 *   read back: intents recorded while it talked to GoDaddy get written in another round before it
 *   lets go of the lock (at most MAX_WRITE_ROUNDS; no extra GET: the read-back is the new state).
 *   Such intents show that a burst is under way, so it first waits about one round's time (at
 *   most MAX_LINGER_MS) for the rest of the burst. A lone hook never waits.
 */
async function syncRecord(deps: HookDeps, zone: string, record: string, done: (ledger: Ledger) => boolean,
  options: { onPlan?: (plan: RecordPlan) => void; rounds?: number } = {}): Promise<boolean> {
  // Two locks per zone: the writer lock is held across GoDaddy's read-modify-write; the ledger lock
  // only for the milliseconds of a ledger update. Hooks can therefore record their intent while a
  // writer is talking to GoDaddy, and that writer's union picks them up. Order: writer, then ledger.
  const asked = Date.now();
  const outcome = await withLockUnless(`${deps.store.ledgerPath(zone)}.writer`, {
    ...lockOptions(deps, 'writer'),
    abandonIf: () => done(deps.store.read(zone)),
  }, async (assertHeld) => {
    pausePoint('writer:locked');
    if (done(deps.store.read(zone))) {
      deps.log(`${absoluteName(record, zone)}: already written by another hook (group commit)`);
      return false;
    }
    const api = deps.api();
    let current: Awaited<ReturnType<TxtApi['getTxt']>>;
    try {
      current = await api.getTxt(zone, record);
    } catch (err) {
      // A zone GoDaddy does not know holds nothing of ours: settle entries only being removed.
      const plan = unknownZonePlan(deps, zone, record, deps.store.read(zone).entries, err);
      options.onPlan?.(plan);
      assertHeld();
      await mutate(deps, zone, (ledger) => settle(ledger, plan, deps.now()), 'settle');
      return false;
    }
    pausePoint('writer:got');
    let wrote = false;
    for (let round = 1; ; round++) {
      const roundStarted = Date.now();
      // Read the ledger after the GET (or the read-back): intents recorded meanwhile join this write.
      const plan = planRecord(record, deps.store.read(zone).entries, current, stalePredicate(deps), deps.config.ttl);
      options.onPlan?.(plan);
      if (plan.write.kind !== 'none') {
        assertHeld();
        deps.log(`${absoluteName(record, zone)}: ${plan.write.kind.toUpperCase()} keep=${plan.keep.length} drop=${plan.drop.length} foreign=${plan.foreign.length}${round > 1 ? ` (round ${round})` : ''}`);
        if (plan.write.kind === 'put') {
          await api.putTxt(zone, record, plan.write.records);
        } else {
          await deleteIgnoringMissing(api, zone, record);
        }
        pausePoint('writer:put');
        const readBack = recordingReads(api);
        await verify(deps, readBack.api, zone, record, plan);
        pausePoint('writer:verified');
        current = readBack.last() ?? current;
        wrote = true;
      }
      assertHeld();
      await mutate(deps, zone, (ledger) => settle(ledger, plan, deps.now()), 'settle');
      pausePoint('writer:settled');
      if (plan.write.kind === 'none' || round >= (options.rounds ?? MAX_WRITE_ROUNDS)) break;
      // Intents that arrived during this round mean a burst of hooks is under way: let it gather
      // for about one round's time before writing again, so that the next write takes them all.
      const next = planRecord(record, deps.store.read(zone).entries, current, stalePredicate(deps), deps.config.ttl);
      if (next.write.kind !== 'none') await sleep(Math.min(MAX_LINGER_MS, Math.max(20, Date.now() - roundStarted)), deps.signal);
    }
    return wrote;
  });
  if (!outcome.ran) deps.log(`${absoluteName(record, zone)}: written by another hook while this one waited ${Date.now() - asked} ms for the writer lock (group commit)`);
  return outcome.ran ? outcome.value : false;
}

/** The API as verify() sees it, remembering the last RRset it read back. */
function recordingReads(api: TxtApi): { api: TxtApi; last: () => Awaited<ReturnType<TxtApi['getTxt']>> | undefined } {
  let last: Awaited<ReturnType<TxtApi['getTxt']>> | undefined;
  return {
    api: {
      getTxt: async (zone, name) => (last = await api.getTxt(zone, name)),
      putTxt: (zone, name, records) => api.putTxt(zone, name, records),
      deleteTxt: (zone, name) => api.deleteTxt(zone, name),
    },
    last: () => last,
  };
}

async function deleteIgnoringMissing(api: TxtApi, zone: string, record: string): Promise<void> {
  try {
    await api.deleteTxt(zone, record);
  } catch (err) {
    if (err instanceof GoDaddyApiError && err.status === 404 && err.apiCode !== 'UNKNOWN_DOMAIN') return;
    throw err;
  }
}

/**
 * Reads the RRset back until it matches the plan. A read that shows only values GoDaddy held before
 * the write or values we sent may be a stale read (GoDaddy's API can lag behind a write for a
 * moment): it is retried, at most 5 reads over about 3 s. Anything else (values nobody sent,
 * our values blanked) cannot be lag, so it fails at once.
 */
async function verify(deps: HookDeps, api: TxtApi, zone: string, record: string, plan: RecordPlan): Promise<void> {
  const waits = [200, 400, 800, 1600];
  // What a stale read can show: the values before the write (foreign and ours) and those we sent.
  const known = new Set([...plan.foreign, ...plan.keep, ...plan.drop]);
  const started = Date.now();
  let reads = 0;
  for (;;) {
    const after = await api.getTxt(zone, record);
    reads++;
    const problem = verifyPlan(plan, after);
    if (!problem) {
      if (reads > 1) deps.log(`${absoluteName(record, zone)}: read-back matched on read ${reads}`);
      return;
    }
    const unexplained = after.filter((r) => !known.has(r.data) && !(isPlaceholder(r.data) && plan.placeholders > 0));
    const wait = waits[reads - 1];
    if (unexplained.length === 0 && wait !== undefined) {
      deps.log(`${absoluteName(record, zone)}: read-back ${reads} ${problem}; reading again in ${wait} ms`);
      await sleep(wait, deps.signal);
      continue;
    }
    const holds = after.length === 0 ? 'nothing' : after.map((r) => (isPlaceholder(r.data) ? JSON.stringify(r.data) : shortValue(r.data))).join(', ');
    const blanked = unexplained.some((r) => isPlaceholder(r.data));
    const stale = unexplained.length === 0;
    throw new HookError('GODADDY_VERIFY', ExitCode.UNAVAILABLE,
      `GoDaddy accepted the ${plan.write.kind === 'delete' ? 'delete' : 'write'} of ${record} in ${zone} but reading it back ${stale ? `${reads} times in ${((Date.now() - started) / 1000).toFixed(1)} s ` : ''}shows it ${problem}; it holds ${holds}`,
      { hint: blanked
        ? `GoDaddy stored empty values instead of the ones sent, which is what its Domain Protection does; turn it off for ${zone} in the GoDaddy account, then run \`acme-godaddy reconcile\``
        : stale
          ? 'GoDaddy keeps answering with the records as they were before the write; try again later; `acme-godaddy reconcile` finishes the job'
          : 'another tool changed this name at the same moment; run `acme-godaddy reconcile`, and keep other tools off _acme-challenge names' });
  }
}

async function mutate(deps: HookDeps, zone: string, change: (ledger: Ledger) => Ledger, step: 'intent' | 'settle'): Promise<void> {
  await withLock(deps.store.ledgerPath(zone), lockOptions(deps, 'ledger'), async () => {
    pausePoint(`${step}:locked`);
    const before = deps.store.read(zone);
    const after = change(before);
    if (JSON.stringify(after) !== JSON.stringify(before)) deps.store.write(after);
    if (step === 'intent') pausePoint('intent:written');
  });
}

function lockOptions(deps: HookDeps, which: 'ledger' | 'writer'): LockOptions {
  return {
    timeoutMs: deps.config.lockTimeoutMs,
    signal: deps.signal,
    onAcquired: (ms, contended) => {
      if (contended) deps.log(`${which} lock acquired after ${ms} ms`);
    },
  };
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

/**
 * Where the TXT value for a domain goes. The name is `_acme-challenge.<domain>`, or where its CNAME
 * chain ends (the CA follows it, so the value must be at the target, in the target's zone). The
 * zone comes from ACME_GODADDY_ZONES when that lists one holding the name, else from an SOA walk
 * through the resolvers that never accepts a public suffix. A zone whose public nameservers are
 * not GoDaddy's is refused (`checkDelegation: false` skips that, e.g. for a cleanup, which only
 * removes). All of it is DNS: nothing reaches the GoDaddy API before this passed.
 */
export async function locate(deps: Pick<HookDeps, 'resolver' | 'config' | 'log'>, rawDomain: string,
  options: { checkDelegation?: boolean } = {}): Promise<Challenge> {
  const domain = normalizeDomain(rawDomain);
  const invalid = invalidDomainReason(domain);
  if (invalid) throw new UsageError(`domain ${quoteDomainInput(rawDomain)} ${invalid}`, DOMAIN_HINT);
  const alias = challengeName(domain);
  const { target: fqdn, chain } = await deps.resolver.followCname(alias);
  if (chain.length > 1) deps.log(`${alias} is a CNAME (${chain.join(' -> ')}): the TXT value goes to ${fqdn}`);
  const configured = configuredZone(deps.config.zones, fqdn);
  if (configured) deps.log(`${fqdn}: zone ${configured} from ACME_GODADDY_ZONES`);
  const zone = configured ?? await deps.resolver.findZone(fqdn);
  if (deps.config.delegationCheck && options.checkDelegation !== false) await assertServedByGoDaddy(deps, zone);
  return { domain, zone, record: relativeName(fqdn, zone), fqdn, ...(chain.length > 1 ? { alias } : {}) };
}

/** The longest zone in ACME_GODADDY_ZONES that holds `fqdn`. */
function configuredZone(zones: readonly string[], fqdn: string): string | undefined {
  return zones.filter((zone) => isSelfOrAncestor(zone, fqdn)).sort((a, b) => b.length - a.length)[0];
}

/**
 * Refuses a zone whose public NS set is not GoDaddy's: GoDaddy keeps a zone (and its API keeps
 * accepting writes) for a domain delegated elsewhere, but nobody sees those records. GoDaddy's
 * servers are known by name (ACME_GODADDY_NS_SUFFIXES, default domaincontrol.com), not through
 * `GET /v1/domains/{zone}`: its `nameServers` is the registrar's delegation, the very set we check.
 */
async function assertServedByGoDaddy(deps: Pick<HookDeps, 'resolver' | 'config' | 'log'>, zone: string): Promise<void> {
  const names = await deps.resolver.nameserverNames(zone);
  const suffixes = deps.config.nsSuffixes;
  const foreign = names.filter((ns) => !suffixes.some((suffix) => isSelfOrAncestor(suffix, ns)));
  const godaddy = suffixes.map((suffix) => `*.${suffix}`).join(', ');
  if (foreign.length === 0) {
    deps.log(`${zone}: served by GoDaddy (${names.join(', ')})`);
    return;
  }
  const which = foreign.length === names.length
    ? `zone ${zone} is delegated to ${names.join(', ')}, not to GoDaddy's nameservers (${godaddy})`
    : `zone ${zone} is delegated to ${names.join(', ')}, and ${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not GoDaddy's (${godaddy})`;
  throw new HookError('NOT_GODADDY', ExitCode.DATA,
    `${which}: TXT records written through GoDaddy's API would not be served there, so the CA could not see them; refusing to write`,
    { hint: `point the domain's nameservers at GoDaddy, or CNAME _acme-challenge to a zone GoDaddy serves; if GoDaddy's servers go by another name here, set ACME_GODADDY_NS_SUFFIXES (or ACME_GODADDY_DELEGATION_CHECK=off)` });
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

/** Is `value` in a ledger of the domain's zone that `reconcile --repair` moved aside? */
function inRepairedBackup(deps: HookDeps, rawDomain: string, value: string): boolean {
  const fqdn = challengeName(normalizeDomain(rawDomain));
  const zones = deps.store.zonesWithBackupHolding(value).filter((zone) => fqdn.endsWith(`.${zone}`));
  if (zones.length > 0) deps.log(`cleanup: the ledger moved aside for ${zones.join(', ')} holds "${shortValue(value)}": removing it as ours`);
  return zones.length > 0;
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

/**
 * Waits until every authoritative server of every zone in `targets` serves every value: per zone,
 * the NS set (or ACME_GODADDY_NAMESERVERS) at every A and AAAA address this host can reach, asked
 * without recursion. Values at one name share one query per server and poll.
 */
async function waitFor(deps: HookDeps, targets: readonly WaitTarget[]): Promise<WaitResult> {
  const zones = [...new Set(targets.map((t) => t.zone))];
  const serversByZone = new Map<string, Nameserver[]>();
  await Promise.all(zones.map(async (zone) => {
    const found = deps.config.nameservers
      ? await deps.resolver.configuredServers(deps.config.nameservers)
      : await deps.resolver.authoritativeServers(zone, deps.config.dnsPort, {
        onUnresolved: (name, reason) => deps.log(`${zone}: skipping nameserver ${name}: ${reason}`),
      });
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
  const { confirmations, settleDelayMs } = deps.config;
  deps.log(`waiting for ${targets.length} value(s) at ${byName.size} name(s) on ${[...serversByZone.values()].flat().length} server address(es)`
    + `${confirmations > 1 ? `, ${confirmations} answers in a row each` : ''}${settleDelayMs > 0 ? `, then ${settleDelayMs} ms more` : ''}`);
  const result = await waitForPropagation([...byName.values()], {
    timeoutMs: deps.config.propagationTimeoutMs,
    pollIntervalMs: deps.config.pollIntervalMs,
    confirmations,
    settleMs: settleDelayMs,
    signal: deps.signal,
    onRound: deps.onWaitRound,
  });
  deps.log(`propagated after ${result.elapsedMs} ms (${result.rounds} round(s), ${result.checks} queries)`);
  return result;
}
