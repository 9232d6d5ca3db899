// The propagation wait through the real CLI against simulated authoritative servers that lag,
// disagree, truncate and fail: every NS name at every address (IPv4 and IPv6), RD=0 with EDNS0,
// TCP after a truncated UDP answer, SERVFAIL/REFUSED/drops retried, the optional settle, and the
// timeout error.
import test from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, validation } from '../support/cli.js';
import { askedPairs, dnsWorld, published, txtQueries } from '../support/dns-world.js';

/** Whether this host can bind ::1 (the simulator's IPv6 nameserver needs it). */
async function hasIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket('udp6');
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(0, '::1', () => resolve(true));
    });
  } finally {
    socket.close();
  }
}

test('every NS name at every address, IPv4 and IPv6, RD=0 and EDNS0: returns only once the slowest address serves the value',
  { skip: !(await hasIpv6Loopback()) && 'no IPv6 loopback (::1) on this host' }, async (t) => {
    const w = await dnsWorld(t, {
      nameservers: [
        { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 100 },
        { name: 'ns1.domaincontrol.test', address: '::1', delayMs: 900 }, // ns1's AAAA: another anycast node, slower
        { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 300 },
      ],
    });
    const v = validation('v6');
    const fqdn = '_acme-challenge.www.example.test';
    const r = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'www.example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' });
    const exitedAt = Date.now();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(askedPairs(w.sim), [`127.0.0.2 ${fqdn}`, `127.0.0.3 ${fqdn}`, `::1 ${fqdn}`]);
    const queries = txtQueries(w.sim, fqdn);
    assert.deepEqual([...new Set(queries.map((q) => `rd=${q.rd} edns=${q.edns} ${q.proto}`))], ['rd=false edns=1232 udp']);
    const slowest = w.sim.publishedAt('::1', fqdn, v);
    assert.ok(slowest !== undefined && exitedAt >= slowest, 'returned after the IPv6 address published');
    t.diagnostic(`exit ${exitedAt - slowest!} ms after the slowest address published (poll 100 ms)`);
  });

test('a large RRset: the truncated UDP answer (TC=1) is asked again over TCP; a server that always truncates UDP too', async (t) => {
  const w = await dnsWorld(t);
  // 30 other values (SPF-sized) at the name: the answer is about 2.4 kB, beyond the 1232-byte EDNS0 payload.
  const foreign = Array.from({ length: 30 }, (_, i) => `v=verification-${String(i).padStart(2, '0')}-${'x'.repeat(48)}`);
  w.sim.setTxt('example.test', '_acme-challenge.big', foreign, 3600);
  await published(w.sim);
  const v = validation('big');
  const r = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'big.example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.deepEqual([r.code, r.stderr], [0, '']);
  for (const ns of w.sim.nameservers) {
    const queries = txtQueries(w.sim, '_acme-challenge.big.example.test').filter((q) => q.address === ns.address);
    assert.ok(queries.some((q) => q.proto === 'udp' && q.truncated), `${ns.name}: a truncated UDP answer`);
    assert.ok(queries.some((q) => q.proto === 'tcp' && q.answers === 31), `${ns.name}: the full RRset over TCP`);
    assert.ok(queries.every((q) => q.proto === 'tcp' || q.truncated), `${ns.name}: every UDP answer was truncated`);
  }

  // ns2 truncates every UDP answer, however small.
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'truncate');
  const small = await runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'small.example.test', CERTBOT_VALIDATION: validation('s'), CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.deepEqual([small.code, small.stderr], [0, '']);
  const ns2 = txtQueries(w.sim, '_acme-challenge.small.example.test').filter((q) => q.address === '127.0.0.3');
  assert.deepEqual([...new Set(ns2.map((q) => `${q.proto} ${q.truncated}`))].sort(), ['tcp false', 'udp true']);
});

test('SERVFAIL, REFUSED and dropped queries are retried; NXDOMAIN means "not yet"', async (t) => {
  const w = await dnsWorld(t, {
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 800 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 1000 },
    ],
  });
  const fqdn = '_acme-challenge.flaky.example.test';
  const rcodes = (address?: string): number[] =>
    [...new Set(txtQueries(w.sim, fqdn).filter((q) => address === undefined || q.address === address).map((q) => q.rcode))];
  const until = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !condition(); i++) await sleep(10);
  };
  const hook = runCli(['auth'], { ...w.env, CERTBOT_DOMAIN: 'flaky.example.test', CERTBOT_VALIDATION: validation('f'), CERTBOT_REMAINING_CHALLENGES: '0' });
  // The wait has started (its first answers: NXDOMAIN, nothing published yet): now the servers fail.
  await until(() => rcodes().includes(3));
  w.sim.setNameserverMode('ns1.domaincontrol.test', 'servfail');
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'refused');
  await until(() => rcodes().includes(2) && rcodes().includes(5));
  w.sim.setNameserverMode('ns1.domaincontrol.test', 'normal');
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'drop-every-2');
  const r = await hook;
  assert.deepEqual([r.code, r.stderr], [0, '']);
  // Each server: NXDOMAIN (not yet), its failure, then the value; ns2 also lost queries (-1) on the way.
  assert.deepEqual(rcodes('127.0.0.2').filter((c) => c !== 3), [2, 0]);
  assert.deepEqual(rcodes('127.0.0.3').filter((c) => c !== 3 && c !== -1), [5, 0]);
  assert.ok(rcodes('127.0.0.3').includes(-1), 'ns2 dropped a query');
  assert.equal(rcodes()[0], 3);
  for (const address of ['127.0.0.2', '127.0.0.3']) {
    assert.equal(txtQueries(w.sim, fqdn).filter((q) => q.address === address).at(-1)!.answers, 1, `${address}: the last answer held the value`);
  }
});

test('settle: 3 answers in a row from every server, then 0.3 s more', async (t) => {
  const w = await dnsWorld(t);
  const v = validation('settle');
  const fqdn = '_acme-challenge.settle.example.test';
  const r = await runCli(['auth'], {
    ...w.env, ACME_GODADDY_CONFIRMATIONS: '3', ACME_GODADDY_SETTLE_DELAY: '0.3',
    CERTBOT_DOMAIN: 'settle.example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0',
  });
  const exitedAt = Date.now();
  assert.deepEqual([r.code, r.stderr], [0, '']);
  for (const ns of w.sim.nameservers) {
    const since = w.sim.publishedAt(ns.address, fqdn, v)!;
    const confirmations = txtQueries(w.sim, fqdn).filter((q) => q.address === ns.address && q.at >= since);
    assert.deepEqual(confirmations.map((q) => q.answers), [1, 1, 1], `${ns.name}: three answers with the value, then no more queries`);
  }
  const last = Math.max(...w.sim.nameservers.map((ns) => w.sim.publishedAt(ns.address, fqdn, v)!));
  assert.ok(exitedAt - last >= 2 * 100 + 300, `exit ${exitedAt - last} ms after the last publish`);
});

test('timeout: one line naming each lagging server and the values it lacks at each name (exit 75)', async (t) => {
  const w = await dnsWorld(t);
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'stale'); // never publishes again
  const [v1, v2] = [validation('one'), validation('two')];
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'stuck', ACME_GODADDY_PROPAGATION_TIMEOUT: '1' };
  assert.equal((await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1' })).code, 0);
  const r = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'api.other.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' });
  assert.equal(r.code, 75);
  assert.equal(r.stderr, `acme-godaddy: TXT records not visible on every authoritative server after 1 s: ns2.domaincontrol.test `
    + `(127.0.0.3:${w.sim.dnsPort}) lacks ${v1.slice(0, 10)}… at _acme-challenge.example.test and ${v2.slice(0, 10)}… at `
    + '_acme-challenge.api.other.test (last answer: NXDOMAIN) (hint: raise ACME_GODADDY_PROPAGATION_TIMEOUT if GoDaddy is '
    + 'slow today; `acme-godaddy status` shows what is pending)\n');
});
