// waitForPropagation against scripted authoritative servers (answers computed per query), so
// anycast flapping, missing AA bits and per-server failures can be played exactly. The
// simulator-backed tests in test/integration/dns-propagation.test.ts cover the wire.
import test from 'node:test';
import assert from 'node:assert/strict';
import { DnsTransportError, RCODE, RR, type Answer, type Query } from '../../src/dns/client.js';
import { waitForPropagation, type ServerProgress } from '../../src/dns/propagation.js';
import type { Nameserver } from '../../src/dns/resolver.js';
import { InterruptedError, PropagationTimeoutError } from '../../src/errors.js';

const NS1: Nameserver = { name: 'ns1.dc.test', address: '192.0.2.1', port: 53 };
const NS2: Nameserver = { name: 'ns2.dc.test', address: '192.0.2.2', port: 53 };
const NS2V6: Nameserver = { name: 'ns2.dc.test', address: '2001:db8::2', port: 53 };
const A = '_acme-challenge.example.test';
const B = '_acme-challenge.other.test';
const V1 = 'value-one-abcdefghijklmnopqrstuvwxyz0123456';
const V2 = 'value-two-abcdefghijklmnopqrstuvwxyz0123456';

function txt(name: string, values: readonly string[], options: { rcode?: number; aa?: boolean } = {}): Answer {
  return {
    rcode: options.rcode ?? (values.length > 0 ? RCODE.NOERROR : RCODE.NXDOMAIN),
    authoritative: options.aa ?? true,
    truncated: false,
    answers: values.map((data) => ({ name, type: RR.TXT, ttl: 600, data })),
    authorities: [],
    transport: 'udp',
  };
}

/** A Query that asks `serve(server address, name, n-th query to that pair)` for each answer and logs every query. */
function servers(serve: (address: string, name: string, n: number) => Answer | 'timeout'): { query: Query; log: string[] } {
  const counts = new Map<string, number>();
  const log: string[] = [];
  const query: Query = async (server, name, type, options) => {
    assert.equal(type, RR.TXT);
    assert.equal(options.recursive, false, 'authoritative checks never ask for recursion');
    const key = `${server.host} ${name}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    log.push(`${key} #${n}`);
    const answer = serve(server.host, name, n);
    if (answer === 'timeout') {
      await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
      throw new DnsTransportError(server, `no answer within ${options.timeoutMs} ms`);
    }
    return answer;
  };
  return { query, log };
}

test('done when every server serves every value; values at one name share one query', async () => {
  const { query, log } = servers((address, name, n) => {
    if (address === NS1.address) return txt(name, [V1, V2, 'foreign']);
    return txt(name, n < 3 ? [V1] : [V1, V2]); // ns2 gets V2 on its third answer
  });
  const result = await waitForPropagation([{ fqdn: A, values: [V1, V2], servers: [NS1, NS2] }], { timeoutMs: 5000, pollIntervalMs: 20, query });
  assert.deepEqual(log, [`${NS1.address} ${A} #1`, `${NS2.address} ${A} #1`, `${NS2.address} ${A} #2`, `${NS2.address} ${A} #3`]);
  assert.equal(result.checks, 4);
  assert.equal(result.rounds, 3);
});

test('a server that times out does not hold back the others: each (server, name) pair polls on its own', async () => {
  const done = new Map<string, number>();
  const started = Date.now();
  const { query } = servers((address, name, n) => (address === NS1.address && n <= 2 ? 'timeout' : txt(name, n >= 3 ? [V1] : [])));
  await waitForPropagation([{ fqdn: A, values: [V1], servers: [NS1, NS2, NS2V6] }], {
    timeoutMs: 10_000,
    pollIntervalMs: 50,
    query,
    onRound: (_pending, _ms, progress: readonly ServerProgress[]) => {
      for (const s of progress) if (s.done && !done.has(s.server.address)) done.set(s.server.address, Date.now() - started);
    },
  });
  // ns2's addresses answer on their 3rd poll (~100 ms) while ns1 is still in its 1 s timeouts.
  assert.ok(done.get(NS2.address)! < 800, `ns2 done after ${done.get(NS2.address)} ms`);
  assert.ok(done.get(NS2V6.address)! < 800, `ns2 (IPv6) done after ${done.get(NS2V6.address)} ms`);
  assert.ok(done.get(NS1.address)! >= 2000, `ns1 done after its two 1 s timeouts (${done.get(NS1.address)} ms)`);
});

test('confirmations: N answers in a row with every value; a flap (anycast node behind) starts the count again', async () => {
  const problems: string[] = [];
  // ns1: has it on answers 1, 2, lacks it on 3, has it again from 4 on.
  const { query, log } = servers((_address, name, n) => txt(name, n === 3 ? [] : [V1], { rcode: RCODE.NOERROR }));
  await waitForPropagation([{ fqdn: A, values: [V1], servers: [NS1] }], {
    timeoutMs: 5000, pollIntervalMs: 10, confirmations: 3, query,
    onRound: (pending) => pending.forEach((p) => p.problem && problems.push(p.problem)),
  });
  assert.equal(log.length, 6, log.join(', '));
  assert.ok(problems.includes(`served every value, then lacked ${V1.slice(0, 10)}… again`), problems.join('; '));
});

test('settle delay: waits that much longer after the last confirmation', async () => {
  const { query } = servers((_a, name) => txt(name, [V1]));
  const result = await waitForPropagation([{ fqdn: A, values: [V1], servers: [NS1] }], { timeoutMs: 5000, pollIntervalMs: 10, settleMs: 300, query });
  assert.ok(result.elapsedMs >= 300, `${result.elapsedMs} ms`);
  assert.ok(result.elapsedMs < 1000, `${result.elapsedMs} ms`);
});

test('timeout: one error, each lagging server once, the values it lacks at each name, its last problems', async () => {
  const { query } = servers((address, name) => {
    if (address === NS1.address) return txt(name, [V1, V2]);
    if (address === NS2.address) return name === A ? txt(name, [V1]) : txt(name, [], { rcode: RCODE.SERVFAIL });
    return txt(name, [V1, V2], { aa: false }); // answers from cache, not authoritative
  });
  await assert.rejects(waitForPropagation([
    { fqdn: A, values: [V1, V2], servers: [NS1, NS2, NS2V6] },
    { fqdn: B, values: [V1], servers: [NS1, NS2, NS2V6] },
  ], { timeoutMs: 300, pollIntervalMs: 50, query }), (err: unknown) => {
    assert.ok(err instanceof PropagationTimeoutError);
    assert.equal(err.exitCode, 75);
    assert.equal(err.message, 'TXT records not visible on every authoritative server after 0 s: '
      + `ns2.dc.test (192.0.2.2:53) lacks value-two-… at ${A} and value-one-… at ${B} (last answer: SERVFAIL); `
      + `ns2.dc.test ([2001:db8::2]:53) lacks value-one-…, value-two-… at ${A} and value-one-… at ${B} (last answer: answer without the AA bit (not authoritative for the zone))`);
    return true;
  });
});

test('NXDOMAIN and NODATA mean "not yet"; a signal ends the wait at once', async () => {
  const seen: string[] = [];
  const controller = new AbortController();
  const { query } = servers((_a, name, n) => txt(name, [], { rcode: n % 2 === 1 ? RCODE.NXDOMAIN : RCODE.NOERROR }));
  const started = Date.now();
  setTimeout(() => controller.abort('SIGTERM'), 200);
  await assert.rejects(waitForPropagation([{ fqdn: A, values: [V1], servers: [NS1] }], {
    timeoutMs: 60_000, pollIntervalMs: 20, query, signal: controller.signal,
    onRound: (pending) => pending.forEach((p) => p.problem && seen.push(p.problem)),
  }), (err: unknown) => err instanceof InterruptedError && err.message === 'interrupted by SIGTERM');
  assert.ok(Date.now() - started < 1000);
  assert.ok(seen.includes('NXDOMAIN') && seen.includes('NODATA'), seen.join(', '));
});
