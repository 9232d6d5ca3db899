// The simulated authoritative nameservers and resolver, queried over real UDP and TCP sockets on
// loopback with dns2's Packet (the helpers below are the whole client).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { Packet } from 'dns2';
import { type Sim, type SimOptions, startSim } from '../../src/sim/sim.js';

type DnsPacket = InstanceType<typeof Packet>;
interface Reply {
  packet: DnsPacket;
  raw: Buffer;
}

const T = { timeout: 10_000 };
const { TYPE } = Packet;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const NS1 = '127.0.0.2';
const NS2 = '127.0.0.3';
const OTHER = '127.0.0.4';
const ACME = '_acme-challenge.example.test';

function encodeQuery(name: string, type: number, ednsPayload?: number): Buffer {
  const query = new Packet();
  query.header.id = 4242;
  query.header.rd = 1;
  query.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  if (ednsPayload !== undefined) {
    const opt = Packet.Resource.EDNS([]);
    opt.class = ednsPayload;
    query.additionals.push(opt);
  }
  return query.toBuffer();
}

/** One UDP query like Pebble's (rd=1, no EDNS unless asked); 'timeout' when nothing comes back. */
async function udp(address: string, port: number, name: string, type: number, opts: { edns?: number; timeoutMs?: number } = {}): Promise<Reply | 'timeout'> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Reply | 'timeout'>((resolve, reject) => {
      const timer = setTimeout(() => resolve('timeout'), opts.timeoutMs ?? 2000);
      socket.once('message', (raw) => {
        clearTimeout(timer);
        resolve({ packet: Packet.parse(raw), raw });
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.send(encodeQuery(name, type, opts.edns), port, address);
    });
  } finally {
    socket.close();
  }
}

async function must(reply: Promise<Reply | 'timeout'>): Promise<DnsPacket> {
  const r = await reply;
  assert.notEqual(r, 'timeout', 'expected an answer');
  return (r as Reply).packet;
}

/** One query over TCP (2-byte length prefix, RFC 1035 4.2.2). */
async function tcp(address: string, port: number, name: string, type: number): Promise<Reply> {
  const socket = connect({ host: address, port });
  socket.setTimeout(2000, () => socket.destroy(new Error('tcp query timed out')));
  const message = encodeQuery(name, type);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  socket.write(Buffer.concat([length, message]));
  let data = Buffer.alloc(0);
  for await (const chunk of socket) {
    data = Buffer.concat([data, chunk as Buffer]);
    if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
      socket.destroy();
      const raw = data.subarray(2, 2 + data.readUInt16BE(0));
      return { packet: Packet.parse(raw), raw };
    }
  }
  throw new Error('tcp connection closed before a full answer');
}

const txtOf = (p: DnsPacket): unknown[] => p.answers.filter((a) => a.type === TYPE.TXT).map((a) => a.data);

/** A simulator on a controllable clock, closed after the test. */
async function sim(t: TestContext, opts: SimOptions = {}): Promise<{ s: Sim; clock: { now: number } }> {
  const clock = { now: 1_000_000 };
  const s = await startSim({ now: () => clock.now, ...opts });
  t.after(() => s.close());
  return { s, clock };
}

function resolverAddress(s: Sim): [string, number] {
  const [host, port] = s.resolver.split(':');
  return [host ?? '', Number(port)];
}

describe('sim dns: authoritative servers', () => {
  it('publishes an API PUT on ns1 after 300 ms and on ns2 after 900 ms', T, async (t) => {
    const { s, clock } = await sim(t);
    const put = await fetch(`${s.apiUrl}/v1/domains/example.test/records/TXT/_acme-challenge`, {
      method: 'PUT',
      headers: { Authorization: `sso-key ${s.key}:${s.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([{ data: 'token-1', ttl: 600 }]),
    });
    assert.equal(put.status, 200);
    const committedAt = clock.now;
    const both = async (): Promise<[DnsPacket, DnsPacket]> => [await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT)), await must(udp(NS2, s.dnsPort, ACME, TYPE.TXT))];

    clock.now = committedAt + 299;
    let [a, b] = await both();
    assert.deepEqual([a.header.rcode, b.header.rcode], [RCODE.NXDOMAIN, RCODE.NXDOMAIN]);
    clock.now = committedAt + 300;
    [a, b] = await both();
    assert.deepEqual(txtOf(a), ['token-1']);
    assert.equal(b.header.rcode, RCODE.NXDOMAIN);
    assert.deepEqual([s.published(0, ACME), s.published('ns2.domaincontrol.test', ACME)], [['token-1'], []]);
    clock.now = committedAt + 900;
    [a, b] = await both();
    assert.deepEqual([txtOf(a), txtOf(b)], [['token-1'], ['token-1']]);
    assert.equal(s.publishedAt(NS1, ACME, 'token-1'), committedAt + 300);
    assert.equal(s.publishedAt(1, `${ACME}.`, 'token-1'), committedAt + 900);
    assert.equal(s.publishedAt(1, ACME, 'other'), undefined);
  });

  it('follows the real clock by default and honours setNameserverDelay', T, async (t) => {
    const s = await startSim({ nameservers: [{ name: 'ns1.domaincontrol.test', address: NS1, delayMs: 30 }, { name: 'ns2.domaincontrol.test', address: NS2, delayMs: 600 }] });
    t.after(() => s.close());
    s.setTxt('example.test', '_acme-challenge', ['live']);
    const deadline = Date.now() + 2000;
    while (s.published(0, ACME).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(txtOf(await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT))), ['live']);
    assert.deepEqual(txtOf(await must(udp(NS2, s.dnsPort, ACME, TYPE.TXT))), []);
    s.setNameserverDelay(1, 0);
    assert.deepEqual(txtOf(await must(udp(NS2, s.dnsPort, ACME, TYPE.TXT))), ['live']);
  });

  it('answers authoritatively (AA=1, RA=0) for its zones and REFUSED for anything else', T, async (t) => {
    const { s } = await sim(t);
    const soa = await must(udp(NS1, s.dnsPort, 'example.test', TYPE.SOA));
    assert.deepEqual([soa.header.aa, soa.header.ra, soa.header.rcode, soa.header.rd], [1, 0, RCODE.NOERROR, 1]);
    assert.deepEqual(
      { ...soa.answers[0] },
      { name: 'example.test', ttl: 3600, type: TYPE.SOA, class: 1, primary: 'ns1.domaincontrol.test', admin: 'dns.jomax.test', serial: 2024010101, refresh: 28800, retry: 7200, expiration: 604800, minimum: 600 },
    );
    const mixed = await must(udp(NS2, s.dnsPort, 'Example.TEST', TYPE.A));
    assert.deepEqual(mixed.answers.map((a) => [a.name, a.address]), [['Example.TEST', '192.0.2.10'], ['Example.TEST', '192.0.2.11']], 'names match case-insensitively, the query spelling is echoed');
    for (const [address, name] of [[NS1, 'example.org'], [NS2, 'ns1.domaincontrol.test'], [OTHER, 'example.test']] as const) {
      const r = await must(udp(address, s.dnsPort, name, TYPE.A));
      assert.deepEqual([r.header.rcode, r.header.aa, r.answers.length], [RCODE.REFUSED, 0, 0], `${address} ${name}`);
    }
  });

  it('tells NXDOMAIN from NODATA (empty non-terminals included) with the SOA in authority', T, async (t) => {
    const { s, clock } = await sim(t, { nameservers: [{ name: 'ns1.domaincontrol.test', address: NS1, delayMs: 0 }] });
    s.setTxt('example.test', '_acme-challenge.deep', ['v']);
    clock.now += 1;
    const cases = [
      { name: ACME, type: TYPE.TXT, rcode: RCODE.NXDOMAIN },
      { name: 'example.test', type: TYPE.MX, rcode: RCODE.NOERROR },
      { name: '_acme-challenge.deep.example.test', type: TYPE.A, rcode: RCODE.NOERROR },
      { name: 'deep.example.test', type: TYPE.TXT, rcode: RCODE.NOERROR },
    ];
    for (const c of cases) {
      const r = await must(udp(NS1, s.dnsPort, c.name, c.type));
      assert.equal(r.header.rcode, c.rcode, c.name);
      assert.deepEqual(r.answers, [], c.name);
      assert.deepEqual(r.authorities.map((rr) => [rr.name, rr.type, rr.ttl, rr.serial]), [['example.test', TYPE.SOA, 600, 2024010102]], c.name);
    }
  });

  it('serves NS, A and CNAME from the API zone', T, async (t) => {
    const { s } = await sim(t);
    const ns = await must(udp(NS1, s.dnsPort, 'example.test', TYPE.NS));
    assert.deepEqual(ns.answers.map((a) => a.ns), ['ns1.domaincontrol.test', 'ns2.domaincontrol.test']);
    const a = await must(udp(NS2, s.dnsPort, 'example.test', TYPE.A));
    assert.deepEqual(a.answers.map((rr) => [rr.address, rr.ttl]), [['192.0.2.10', 600], ['192.0.2.11', 600]]);
    const cname = await must(udp(NS1, s.dnsPort, 'www.example.test', TYPE.A));
    assert.deepEqual(cname.answers.map((rr) => [rr.type, rr.domain]), [[TYPE.CNAME, 'example.test']]);
  });

  it('splits TXT data into 255-byte character-strings and serves "" placeholders as an empty string', T, async (t) => {
    const { s, clock } = await sim(t);
    const long = 'a'.repeat(255) + 'b'.repeat(45);
    s.setTxt('example.test', '_acme-challenge', [long]);
    s.setTxt('example.test', '_acme-challenge.www', ['']);
    clock.now += 1000;
    const r = await tcp(NS1, s.dnsPort, ACME, TYPE.TXT);
    assert.deepEqual(txtOf(r.packet), [long]);
    assert.ok(r.raw.includes(Buffer.concat([Buffer.from([255]), Buffer.from('a'.repeat(255))])));
    assert.ok(r.raw.includes(Buffer.concat([Buffer.from([45]), Buffer.from('b'.repeat(45))])));
    const empty = await tcp(NS2, s.dnsPort, `_acme-challenge.www.example.test`, TYPE.TXT);
    assert.deepEqual(txtOf(empty.packet), ['']);
  });

  it('truncates above 512 bytes over UDP without EDNS (TC=1, no answers) and answers in full over TCP or EDNS', T, async (t) => {
    const { s, clock } = await sim(t);
    const values = Array.from({ length: 9 }, (_, i) => `${i}`.padEnd(43, 'x'));
    s.setTxt('example.test', '_acme-challenge', values.slice(0, 8));
    clock.now += 1000;
    const eight = await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT));
    assert.deepEqual([eight.header.tc, eight.answers.length], [0, 8], '8 values of 43 chars still fit (the Pebble cliff)');
    s.setTxt('example.test', '_acme-challenge', values);
    clock.now += 1000;
    const cut = await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT));
    assert.deepEqual([cut.header.tc, cut.answers.length, cut.header.aa], [1, 0, 1]);
    const full = await tcp(NS1, s.dnsPort, ACME, TYPE.TXT);
    assert.deepEqual([full.packet.header.tc, txtOf(full.packet)], [0, values]);
    const edns = await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT, { edns: 1232 }));
    assert.deepEqual([edns.header.tc, edns.answers.length], [0, 9]);
    assert.deepEqual(edns.additionals.map((rr) => [rr.type, rr.class]), [[TYPE.EDNS, 1232]]);
  });

  it('modes: servfail, drop, drop-every-2, and stale (never publishes again until normal)', T, async (t) => {
    const { s, clock } = await sim(t);
    s.setNameserverMode(0, 'servfail');
    const fail = await must(udp(NS1, s.dnsPort, 'example.test', TYPE.SOA));
    assert.deepEqual([fail.header.rcode, fail.header.aa, fail.answers.length], [RCODE.SERVFAIL, 0, 0]);
    s.setNameserverMode(0, 'drop');
    assert.equal(await udp(NS1, s.dnsPort, 'example.test', TYPE.SOA, { timeoutMs: 150 }), 'timeout');
    s.setNameserverMode('ns1.domaincontrol.test', 'drop-every-2');
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await udp(NS1, s.dnsPort, 'example.test', TYPE.SOA, { timeoutMs: 150 })) === 'timeout');
    assert.deepEqual(outcomes, [false, true, false, true]);

    s.setNameserverMode(0, 'stale');
    s.setTxt('example.test', '_acme-challenge', ['fresh']);
    clock.now += 60_000;
    assert.deepEqual(txtOf(await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT))), []);
    assert.deepEqual(txtOf(await must(udp(NS2, s.dnsPort, ACME, TYPE.TXT))), ['fresh']);
    assert.deepEqual(s.published(0, ACME), []);
    s.setNameserverMode(0, 'normal');
    assert.deepEqual(txtOf(await must(udp(NS1, s.dnsPort, ACME, TYPE.TXT))), ['fresh']);
    assert.throws(() => s.setNameserverMode(0, 'drop-every-0'), /unknown nameserver mode/);
  });

  it('elsewhere.test: GoDaddy servers get API edits, the server it is delegated to never does', T, async (t) => {
    const { s, clock } = await sim(t);
    const put = await fetch(`${s.apiUrl}/v1/domains/elsewhere.test/records/TXT/_acme-challenge`, {
      method: 'PUT',
      headers: { Authorization: `sso-key ${s.key}:${s.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([{ data: 'invisible', ttl: 600 }]),
    });
    assert.equal(put.status, 200);
    clock.now += 60_000;
    const fqdn = '_acme-challenge.elsewhere.test';
    assert.deepEqual(txtOf(await must(udp(NS1, s.dnsPort, fqdn, TYPE.TXT))), ['invisible']);
    assert.deepEqual(txtOf(await must(udp(OTHER, s.dnsPort, fqdn, TYPE.TXT))), []);
    assert.deepEqual(s.published('ns1.other-dns.test', fqdn), []);
    const ns = await must(udp(OTHER, s.dnsPort, 'elsewhere.test', TYPE.NS));
    assert.deepEqual([ns.header.aa, ns.answers.map((a) => a.ns)], [1, ['ns1.other-dns.test']]);
    const [host, port] = resolverAddress(s);
    assert.deepEqual((await must(udp(host, port, 'elsewhere.test', TYPE.NS))).answers.map((a) => a.ns), ['ns1.other-dns.test']);
    for (let i = 0; i < 4; i++) assert.deepEqual(txtOf(await must(udp(host, port, fqdn, TYPE.TXT))), []);
  });

  it('logs queries, shares one port across addresses, and reports a taken fixed port after cleaning up', T, async (t) => {
    const { s } = await sim(t);
    await must(udp(NS2, s.dnsPort, ACME, TYPE.TXT));
    assert.deepEqual(s.dnsQueries.map((q) => [q.server, q.proto, q.name, q.type, q.rcode]), [['ns2.domaincontrol.test', 'udp', ACME, TYPE.TXT, RCODE.NXDOMAIN]]);
    await assert.rejects(startSim({ dnsPort: s.dnsPort }), { code: 'EADDRINUSE' });
    assert.equal((await must(udp(OTHER, s.dnsPort, 'elsewhere.test', TYPE.SOA))).header.rcode, RCODE.NOERROR);
  });

  it('closes every socket', T, async () => {
    const s = await startSim();
    const [host, port] = resolverAddress(s);
    await s.close();
    for (const [address, p] of [[NS1, s.dnsPort], [OTHER, s.dnsPort], [host, port]] as const) {
      await assert.rejects(tcp(address, p, 'example.test', TYPE.SOA), { code: 'ECONNREFUSED' });
    }
    await assert.rejects(fetch(`${s.apiUrl}/v1/domains`), TypeError);
    await s.close();
  });
});

describe('sim dns: resolver', () => {
  it('answers like a recursive resolver: RA=1, no AA, SOA at the apex, SOA in authority below it', T, async (t) => {
    const { s } = await sim(t);
    const [host, port] = resolverAddress(s);
    const soa = await must(udp(host, port, 'example.test', TYPE.SOA));
    assert.deepEqual([soa.header.ra, soa.header.aa, soa.header.rcode, soa.answers[0]?.type], [1, 0, RCODE.NOERROR, TYPE.SOA]);
    const below = await must(udp(host, port, '_acme-challenge.www.example.test', TYPE.SOA));
    assert.deepEqual([below.header.rcode, below.answers.length, below.authorities.map((a) => [a.name, a.type])], [RCODE.NXDOMAIN, 0, [['example.test', TYPE.SOA]]]);
    const nodata = await must(udp(host, port, 'other.test', TYPE.AAAA));
    assert.deepEqual([nodata.header.rcode, nodata.answers.length, nodata.authorities.map((a) => a.name)], [RCODE.NOERROR, 0, ['other.test']]);
    const outside = await must(udp(host, port, 'example.org', TYPE.SOA));
    assert.deepEqual([outside.header.rcode, outside.answers.length, outside.authorities.length], [RCODE.NXDOMAIN, 0, 0]);
  });

  it('resolves NS, nameserver addresses and CNAME chains inside simulated zones', T, async (t) => {
    const { s } = await sim(t);
    const [host, port] = resolverAddress(s);
    assert.deepEqual((await must(udp(host, port, 'example.test', TYPE.NS))).answers.map((a) => a.ns), ['ns1.domaincontrol.test', 'ns2.domaincontrol.test']);
    for (const [name, address] of [['ns1.domaincontrol.test', NS1], ['NS2.domaincontrol.test.', NS2], ['ns1.other-dns.test', OTHER]] as const) {
      assert.deepEqual((await must(udp(host, port, name, TYPE.A))).answers.map((a) => a.address), [address]);
    }
    assert.deepEqual((await must(udp(host, port, 'ns1.domaincontrol.test', TYPE.AAAA))).answers, []);
    const www = await must(udp(host, port, 'www.example.test', TYPE.A));
    assert.deepEqual(www.answers.map((a) => [a.name, a.type, a.domain ?? a.address]), [
      ['www.example.test', TYPE.CNAME, 'example.test'],
      ['example.test', TYPE.A, '192.0.2.10'],
      ['example.test', TYPE.A, '192.0.2.11'],
    ]);
    const dc = await must(udp(host, port, '_domainconnect.example.test', TYPE.A));
    assert.deepEqual([dc.header.rcode, dc.answers.map((a) => a.domain)], [RCODE.NOERROR, ['_domainconnect.gd.domaincontrol.test']]);
  });

  it('answers TXT from a random authoritative server, uncached: a value shows and vanishes until all publish', T, async (t) => {
    const { s, clock } = await sim(t, { seed: 3 });
    const [host, port] = resolverAddress(s);
    s.setTxt('example.test', '_acme-challenge', ['token']);
    clock.now += 300;
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) seen.add(JSON.stringify(txtOf(await must(udp(host, port, ACME, TYPE.TXT)))));
    assert.deepEqual([...seen].sort(), ['["token"]', '[]']);
    clock.now += 600;
    for (let i = 0; i < 8; i++) assert.deepEqual(txtOf(await must(udp(host, port, ACME, TYPE.TXT))), ['token']);
    const overTcp = await tcp(host, port, ACME, TYPE.TXT);
    assert.deepEqual([overTcp.packet.header.ra, txtOf(overTcp.packet)], [1, ['token']]);
  });

  it('skips a failing server like a real resolver, and SERVFAILs when every server fails', T, async (t) => {
    const { s, clock } = await sim(t);
    const [host, port] = resolverAddress(s);
    s.setTxt('example.test', '_acme-challenge', ['token']);
    clock.now += 300;
    s.setNameserverMode(0, 'servfail');
    for (let i = 0; i < 6; i++) assert.equal((await must(udp(host, port, ACME, TYPE.TXT))).header.rcode, RCODE.NXDOMAIN, 'only ns2 answers, and it has nothing yet');
    s.setNameserverMode(1, 'drop');
    const r = await must(udp(host, port, ACME, TYPE.TXT));
    assert.deepEqual([r.header.rcode, r.answers.length], [RCODE.SERVFAIL, 0]);
  });
});
