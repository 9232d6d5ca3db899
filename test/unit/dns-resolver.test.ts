// The Resolver's SOA walk and CNAME following against a scripted resolver (answers given per
// question), so broken and hostile answers can be played exactly. The simulator-backed tests in
// test/integration/dns-*.test.ts cover the same paths over real sockets.
import test from 'node:test';
import assert from 'node:assert/strict';
import { RCODE, RR, type Answer, type Query, type Record as DnsRecord } from '../../src/dns/client.js';
import { Resolver } from '../../src/dns/resolver.js';
import { DnsError, ZoneNotFoundError } from '../../src/errors.js';

const TYPE_NAMES: Record<number, string> = { [RR.SOA]: 'SOA', [RR.CNAME]: 'CNAME', [RR.NS]: 'NS', [RR.A]: 'A', [RR.AAAA]: 'AAAA', [RR.TXT]: 'TXT' };

function rr(name: string, type: number, data: string): DnsRecord {
  return { name, type, ttl: 300, data };
}

function answer(rcode: number, answers: DnsRecord[] = [], authorities: DnsRecord[] = []): Answer {
  return { rcode, authoritative: false, truncated: false, answers, authorities, transport: 'udp' };
}

/** A resolver scripted as `"name TYPE" -> answer`; anything else is NXDOMAIN. Logs every question. */
function scripted(script: Record<string, Answer>): { query: Query; asked: string[] } {
  const asked: string[] = [];
  const query: Query = async (_server, name, type) => {
    const key = `${name} ${TYPE_NAMES[type] ?? type}`;
    asked.push(key);
    return script[key] ?? answer(RCODE.NXDOMAIN);
  };
  return { query, asked };
}

const SERVER = [{ host: '127.0.0.1', port: 53 }];
const soa = (zone: string): DnsRecord => rr(zone, RR.SOA, `ns1.${zone}`);

test('findZone: a negative answer names the zone in its authority SOA; two questions for any depth', async () => {
  const { query, asked } = scripted({
    '_acme-challenge.a.b.c.d.example.co.uk SOA': answer(RCODE.NXDOMAIN, [], [soa('example.co.uk')]),
    'example.co.uk SOA': answer(RCODE.NOERROR, [soa('example.co.uk')]),
  });
  const zone = await new Resolver(SERVER, query).findZone('_acme-challenge.a.b.c.d.example.co.uk');
  assert.equal(zone, 'example.co.uk');
  assert.deepEqual(asked, ['_acme-challenge.a.b.c.d.example.co.uk SOA', 'example.co.uk SOA']);
});

test('findZone never returns a public suffix, even when the answers say so', async () => {
  // The registrable domain does not exist: the resolvers answer from co.uk (a public suffix).
  const missing = scripted({
    '_acme-challenge.www.nothere.co.uk SOA': answer(RCODE.NXDOMAIN, [], [soa('co.uk')]),
    'www.nothere.co.uk SOA': answer(RCODE.NXDOMAIN, [], [soa('co.uk')]),
    'nothere.co.uk SOA': answer(RCODE.NXDOMAIN, [], [soa('co.uk')]),
    'co.uk SOA': answer(RCODE.NOERROR, [soa('co.uk')]),
  });
  await assert.rejects(new Resolver(SERVER, missing.query).findZone('_acme-challenge.www.nothere.co.uk'), (err: unknown) => {
    assert.ok(err instanceof ZoneNotFoundError);
    assert.equal(err.message, 'no DNS zone found for _acme-challenge.www.nothere.co.uk: the resolvers answer from co.uk, a public suffix, and nothere.co.uk has no SOA record');
    assert.equal(err.exitCode, 65);
    return true;
  });
  assert.ok(!missing.asked.includes('co.uk SOA'), `never asks a public suffix: ${missing.asked.join(', ')}`);

  // A broken resolver that puts an SOA for the suffix in the answer section of every question.
  const broken = scripted({
    '_acme-challenge.example.com.au SOA': answer(RCODE.NOERROR, [soa('com.au')]),
    'example.com.au SOA': answer(RCODE.NOERROR, [soa('com.au')]),
  });
  await assert.rejects(new Resolver(SERVER, broken.query).findZone('_acme-challenge.example.com.au'),
    /: no DNS zone found for _acme-challenge\.example\.com\.au \(no SOA record at _acme-challenge\.example\.com\.au, example\.com\.au\)$/);

  // SOA answers missing everywhere.
  const silent = scripted({});
  await assert.rejects(new Resolver(SERVER, silent.query).findZone('_acme-challenge.a.example.co.uk'),
    /no SOA record at _acme-challenge\.a\.example\.co\.uk, a\.example\.co\.uk, example\.co\.uk\)$/);
  assert.deepEqual(silent.asked, ['_acme-challenge.a.example.co.uk SOA', 'a.example.co.uk SOA', 'example.co.uk SOA']);

  // The name itself is a public suffix.
  await assert.rejects(new Resolver(SERVER, silent.query).findZone('co.uk'), /co\.uk: it is a public suffix/);
});

test('findZone ignores SOA records for other names and authority SOAs that are not ancestors', async () => {
  const { query } = scripted({
    // A CNAME-chased SOA of another zone in the answer, an unrelated SOA in authority.
    '_acme-challenge.www.example.com SOA': answer(RCODE.NOERROR, [soa('elsewhere.net')], [soa('unrelated.org')]),
    'www.example.com SOA': answer(RCODE.NOERROR, [], [soa('example.com')]),
    'example.com SOA': answer(RCODE.NOERROR, [soa('example.com')]),
  });
  assert.equal(await new Resolver(SERVER, query).findZone('_acme-challenge.www.example.com'), 'example.com');
});

test('followCname: no alias, a chain across zones, a loop, a chain too long, a target that is a public suffix', async () => {
  const cname = (from: string, to: string): Answer => answer(RCODE.NOERROR, [rr(from, RR.CNAME, to)]);
  const { query, asked } = scripted({
    '_acme-challenge.www.example.com CNAME': cname('_acme-challenge.www.example.com', 'hop.example.com'),
    'hop.example.com CNAME': cname('hop.example.com', 'www.acme.example.net'),
    '_acme-challenge.loop.example.com CNAME': cname('_acme-challenge.loop.example.com', 'b.example.com'),
    'b.example.com CNAME': cname('b.example.com', '_acme-challenge.loop.example.com'),
    '_acme-challenge.suffix.example.com CNAME': cname('_acme-challenge.suffix.example.com', 'co.uk'),
    // Label bytes that are not a host name (DNS allows any byte): named, and quoted so it stays one line.
    '_acme-challenge.bytes.example.com CNAME': cname('_acme-challenge.bytes.example.com', 'a b\nc.example.net'),
    // A CNAME record for another owner name (e.g. from a DNAME) is not followed.
    '_acme-challenge.odd.example.com CNAME': cname('other.example.com', 'x.example.net'),
    ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.example.com CNAME`, cname(`c${i}.example.com`, `c${i + 1}.example.com`)])),
  });
  const resolver = new Resolver(SERVER, query);
  assert.deepEqual(await resolver.followCname('_acme-challenge.example.com'), { target: '_acme-challenge.example.com', chain: ['_acme-challenge.example.com'] });
  assert.deepEqual(await resolver.followCname('_acme-challenge.www.example.com'), {
    target: 'www.acme.example.net',
    chain: ['_acme-challenge.www.example.com', 'hop.example.com', 'www.acme.example.net'],
  });
  assert.deepEqual(asked.slice(-3), ['_acme-challenge.www.example.com CNAME', 'hop.example.com CNAME', 'www.acme.example.net CNAME']);
  assert.deepEqual((await resolver.followCname('_acme-challenge.odd.example.com')).target, '_acme-challenge.odd.example.com');
  await assert.rejects(resolver.followCname('_acme-challenge.loop.example.com'), (err: unknown) => {
    assert.ok(err instanceof DnsError);
    assert.equal(err.message, 'CNAME loop: _acme-challenge.loop.example.com -> b.example.com -> _acme-challenge.loop.example.com');
    return true;
  });
  await assert.rejects(resolver.followCname('c0.example.com'),
    /: CNAME chain from c0\.example\.com is longer than 8 hops: c0\.example\.com -> c1\.example\.com -> .* -> c8\.example\.com -> c9\.example\.com$/);
  await assert.rejects(resolver.followCname('_acme-challenge.suffix.example.com'),
    /_acme-challenge\.suffix\.example\.com is a CNAME for co\.uk, which is a public suffix/);
  await assert.rejects(resolver.followCname('_acme-challenge.bytes.example.com'), (err: unknown) => {
    assert.ok(err instanceof DnsError);
    assert.equal(err.message, '_acme-challenge.bytes.example.com is a CNAME for "a b\\nc.example.net", which has characters not allowed in a domain name: " " (space), U+000A (allowed: letters, digits, "-", "_" and "." between labels)');
    return true;
  });
});

test('authoritativeServers: every address of every NS name; a name without any address is skipped and reported', async () => {
  const { query } = scripted({
    'example.com NS': answer(RCODE.NOERROR, [rr('example.com', RR.NS, 'ns1.dc.example'), rr('example.com', RR.NS, 'ns2.dc.example'), rr('example.com', RR.NS, 'gone.dc.example')]),
    'ns1.dc.example A': answer(RCODE.NOERROR, [rr('ns1.dc.example', RR.A, '192.0.2.1')]),
    'ns1.dc.example AAAA': answer(RCODE.NOERROR, [rr('ns1.dc.example', RR.AAAA, '2001:db8::1')]),
    'ns2.dc.example A': answer(RCODE.NOERROR, [rr('ns2.dc.example', RR.A, '192.0.2.2'), rr('ns2.dc.example', RR.A, '192.0.2.3')]),
    'ns2.dc.example AAAA': answer(RCODE.NOERROR),
  });
  const unresolved: string[] = [];
  const servers = await new Resolver(SERVER, query).authoritativeServers('example.com', 5300,
    { onUnresolved: (name, reason) => unresolved.push(`${name}: ${reason}`) });
  assert.deepEqual(servers, [
    { name: 'gone.dc.example', address: undefined, port: 5300 },
    { name: 'ns1.dc.example', address: '192.0.2.1', port: 5300 },
    { name: 'ns1.dc.example', address: '2001:db8::1', port: 5300 },
    { name: 'ns2.dc.example', address: '192.0.2.2', port: 5300 },
    { name: 'ns2.dc.example', address: '192.0.2.3', port: 5300 },
  ].filter((s) => s.address !== undefined));
  assert.deepEqual(unresolved, ['gone.dc.example: no A or AAAA record']);
});
