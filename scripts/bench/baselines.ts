// The two baseline strategies the bench compares acme-godaddy against (issue #7). They live here,
// not in src/, and run as their own hook processes (baseline-hook.ts) with the same environment
// and calling convention as the real CLI, so process start-up is paid the same way.
//
// (a) naive:   no lock, no ledger. auth = GET the RRset + append our value + PUT (plain fetch);
//              then, in every call, poll a recursive resolver every 10 s until it returns the
//              value. cleanup = GET + drop our value + PUT (DELETE when nothing is left).
// (b) careful: no lock, no ledger. auth = GET + union (skip the PUT when the value is already
//              there) + PUT; then, in every call, poll every authoritative server of the zone
//              (NS + A lookups through the resolver, then non-recursive TXT queries) every 2 s
//              until each serves the value. cleanup as (a).
//
// (c) fixed:   the write of (b), then a fixed sleep (30 s) once per run, in the auth with
//              CERTBOT_REMAINING_CHALLENGES=0 (or in every auth when it is absent), and no DNS
//              check at all: what certbot's DNS plugins do with --<plugin>-propagation-seconds
//              (issue #5 item 7 asks for this comparison).
//
// All take the zone to be the last two labels of the name (what most GoDaddy hook scripts do;
// right for every simulated zone). (a) and (b) ignore CERTBOT_REMAINING_CHALLENGES: they wait in
// every auth. With BENCH_BASELINE_WAIT=0 they stop after the write (used by the contention
// section, which measures the write path only).

import type { Answer, RRType } from '../../src/dns/client.js';

// The DNS client (dns2) is loaded only when a hook waits: the write path needs no DNS, and the
// contention section runs the write path alone.
const RR = { A: 1, NS: 2, TXT: 16 } as const;
async function query(server: { host: string; port: number }, name: string, type: RRType, options: { recursive: boolean; timeoutMs: number }): Promise<Answer> {
  const client = await import('../../src/dns/client.js');
  return client.query(server, name, type, options);
}

export type BaselineName = 'naive' | 'careful' | 'fixed';

export interface BaselineEnv {
  apiUrl: string;
  key: string;
  secret: string;
  resolver: { host: string; port: number };
  dnsPort: number;
  domain: string;
  value: string;
  wait: boolean;
  timeoutMs: number;
  naivePollMs: number;
  carefulPollMs: number;
  fixedSleepMs: number;
  /** CERTBOT_REMAINING_CHALLENGES (undefined when absent). */
  remaining: number | undefined;
}

export function readBaselineEnv(env: NodeJS.ProcessEnv): BaselineEnv {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} not set`);
    return v;
  };
  const [host, port] = need('ACME_GODADDY_RESOLVERS').split(',')[0]!.split(':');
  return {
    apiUrl: need('GODADDY_API_URL').replace(/\/+$/, ''),
    key: need('GODADDY_API_KEY'),
    secret: need('GODADDY_API_SECRET'),
    resolver: { host: host!, port: Number(port ?? 53) },
    dnsPort: Number(env['ACME_GODADDY_DNS_PORT'] ?? 53),
    domain: need('CERTBOT_DOMAIN').toLowerCase().replace(/\.$/, '').replace(/^\*\./, ''),
    value: need('CERTBOT_VALIDATION'),
    wait: env['BENCH_BASELINE_WAIT'] !== '0',
    timeoutMs: Number(env['BENCH_BASELINE_TIMEOUT_S'] ?? 120) * 1000,
    naivePollMs: Number(env['BENCH_NAIVE_POLL_S'] ?? 10) * 1000,
    carefulPollMs: Number(env['BENCH_CAREFUL_POLL_S'] ?? 2) * 1000,
    fixedSleepMs: Number(env['BENCH_FIXED_SLEEP_S'] ?? 30) * 1000,
    remaining: env['CERTBOT_REMAINING_CHALLENGES'] ? Number(env['CERTBOT_REMAINING_CHALLENGES']) : undefined,
  };
}

interface Name {
  zone: string;
  record: string;
  fqdn: string;
}

function nameOf(domain: string): Name {
  const labels = domain.split('.');
  const zone = labels.slice(-2).join('.');
  const sub = labels.slice(0, -2).join('.');
  return { zone, record: sub ? `_acme-challenge.${sub}` : '_acme-challenge', fqdn: `_acme-challenge.${domain}` };
}

interface TxtRecord {
  data: string;
  ttl: number;
}

async function api(e: BaselineEnv, method: string, n: Name, body?: unknown): Promise<TxtRecord[]> {
  const url = `${e.apiUrl}/v1/domains/${encodeURIComponent(n.zone)}/records/TXT/${encodeURIComponent(n.record)}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `sso-key ${e.key}:${e.secret}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${n.record} in ${n.zone}: HTTP ${res.status} ${text.slice(0, 200)}`);
  if (method !== 'GET') return [];
  return (JSON.parse(text) as Array<{ data: string; ttl: number }>).map((r) => ({ data: r.data, ttl: r.ttl }));
}

function putBody(n: Name, records: readonly TxtRecord[]): unknown[] {
  return records.map((r) => ({ data: r.data, name: n.record, ttl: Math.max(600, r.ttl), type: 'TXT' }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function baselineAuth(which: BaselineName, e: BaselineEnv): Promise<void> {
  const n = nameOf(e.domain);
  const current = await api(e, 'GET', n);
  if (which === 'naive') {
    await api(e, 'PUT', n, putBody(n, [...current, { data: e.value, ttl: 600 }]));
  } else if (!current.some((r) => r.data === e.value)) {
    const seen = new Set<string>();
    const union = [...current, { data: e.value, ttl: 600 }].filter((r) => (seen.has(r.data) ? false : (seen.add(r.data), true)));
    await api(e, 'PUT', n, putBody(n, union));
  }
  if (!e.wait) return;
  if (which === 'fixed') {
    if (e.remaining === undefined || e.remaining === 0) await sleep(e.fixedSleepMs);
    return;
  }
  const deadline = Date.now() + e.timeoutMs;
  if (which === 'naive') {
    for (;;) {
      if (await resolverHas(e, n.fqdn)) return;
      if (Date.now() + e.naivePollMs > deadline) throw new Error(`timed out waiting for ${n.fqdn} at the resolver`);
      await sleep(e.naivePollMs);
    }
  }
  const servers = await authoritativeServers(e, n.zone);
  let pending = servers;
  for (;;) {
    const round = Date.now();
    const has = await Promise.all(pending.map((s) => serverHas(e, s, n.fqdn)));
    pending = pending.filter((_, i) => !has[i]);
    if (pending.length === 0) return;
    if (Date.now() + e.carefulPollMs > deadline) throw new Error(`timed out waiting for ${n.fqdn} on ${pending.join(', ')}`);
    await sleep(Math.max(0, e.carefulPollMs - (Date.now() - round)));
  }
}

export async function baselineCleanup(e: BaselineEnv): Promise<void> {
  const n = nameOf(e.domain);
  const current = await api(e, 'GET', n);
  if (!current.some((r) => r.data === e.value)) return;
  const rest = current.filter((r) => r.data !== e.value);
  if (rest.length === 0) await api(e, 'DELETE', n);
  else await api(e, 'PUT', n, putBody(n, rest));
}

async function resolverHas(e: BaselineEnv, fqdn: string): Promise<boolean> {
  try {
    const a = await query(e.resolver, fqdn, RR.TXT, { recursive: true, timeoutMs: 2000 });
    return a.answers.some((r) => r.type === RR.TXT && r.data === e.value);
  } catch {
    return false;
  }
}

async function authoritativeServers(e: BaselineEnv, zone: string): Promise<string[]> {
  const ns = await query(e.resolver, zone, RR.NS, { recursive: true, timeoutMs: 2000 });
  const names = ns.answers.filter((r) => r.type === RR.NS).map((r) => r.data);
  const addresses = await Promise.all(names.map(async (name) => {
    const a = await query(e.resolver, name, RR.A, { recursive: true, timeoutMs: 2000 });
    return a.answers.filter((r) => r.type === RR.A).map((r) => r.data);
  }));
  const all = [...new Set(addresses.flat())];
  if (all.length === 0) throw new Error(`no authoritative servers found for ${zone}`);
  return all;
}

async function serverHas(e: BaselineEnv, address: string, fqdn: string): Promise<boolean> {
  try {
    const a = await query({ host: address, port: e.dnsPort }, fqdn, RR.TXT, { recursive: false, timeoutMs: 2000 });
    return a.answers.some((r) => r.type === RR.TXT && r.data === e.value);
  } catch {
    return false;
  }
}
