// Names for zone detection: public suffixes (ICANN section of the PSL), IDN, case and trailing dots,
// and the candidate list of the SOA walk.
import test from 'node:test';
import assert from 'node:assert/strict';
import { isPublicSuffix, publicSuffix, registrableDomain, PUBLIC_SUFFIX_SOURCE } from '../../src/domain/public-suffix.js';
import { challengeName, invalidDomainReason, normalizeDomain, zoneCandidates } from '../../src/domain/names.js';

test('public suffixes: plain, multi-label, wildcard and exception rules, IDN rules, the implicit * rule', () => {
  const table: Array<[string, string, string | undefined]> = [
    // name, its public suffix, its registrable domain
    ['com', 'com', undefined],
    ['example.com', 'com', 'example.com'],
    ['co.uk', 'co.uk', undefined],
    ['www.example.co.uk', 'co.uk', 'example.co.uk'],
    ['com.au', 'com.au', undefined],
    ['shop.example.com.au', 'com.au', 'example.com.au'],
    // *.ck makes every label under ck a suffix, except www.ck (!www.ck).
    ['foo.ck', 'foo.ck', undefined],
    ['a.foo.ck', 'foo.ck', 'a.foo.ck'],
    ['www.ck', 'ck', 'www.ck'],
    ['foo.www.ck', 'ck', 'www.ck'],
    ['foo.kawasaki.jp', 'foo.kawasaki.jp', undefined],
    ['x.city.kawasaki.jp', 'kawasaki.jp', 'city.kawasaki.jp'],
    // 公司.cn, stored in punycode.
    ['xn--55qx5d.cn', 'xn--55qx5d.cn', undefined],
    ['example.xn--55qx5d.cn', 'xn--55qx5d.cn', 'example.xn--55qx5d.cn'],
    // Not in the list (RFC 6761 .test): the implicit "*" rule makes the TLD the suffix.
    ['test', 'test', undefined],
    ['_acme-challenge.www.example.test', 'test', 'example.test'],
    // The private section is left out on purpose: github.io is a zone someone can host.
    ['user.github.io', 'io', 'github.io'],
  ];
  for (const [name, suffix, registrable] of table) {
    assert.equal(publicSuffix(name), suffix, `public suffix of ${name}`);
    assert.equal(registrableDomain(name), registrable, `registrable domain of ${name}`);
    assert.equal(isPublicSuffix(name), registrable === undefined, `isPublicSuffix(${name})`);
  }
  assert.match(PUBLIC_SUFFIX_SOURCE, /publicsuffix|public_suffix/i);
});

test('normalizeDomain: upper case, trailing dots, a leading *., IDN to punycode (also full-width forms)', () => {
  const table: Array<[string, string]> = [
    ['WWW.Example.COM.', 'www.example.com'],
    ['example.com..', 'example.com'],
    [' *.Example.Com ', 'example.com'],
    ['Bücher.Example.', 'xn--bcher-kva.example'],
    ['*.ÉXAMPLE.com', 'xn--xample-9ua.com'],
    ['例え。jp', 'xn--r8jz45g.jp'],
    ['ＥＸＡＭＰＬＥ.com', 'example.com'],
    ['xn--BCHER-kva.Example..', 'xn--bcher-kva.example'],
    ['mañana.com.', 'xn--maana-pta.com'],
  ];
  for (const [input, expected] of table) assert.equal(normalizeDomain(input), expected, JSON.stringify(input));
  assert.equal(challengeName(normalizeDomain('Bücher.Example.')), '_acme-challenge.xn--bcher-kva.example');
});

test('invalidDomainReason refuses a public suffix and names that cannot be converted', () => {
  assert.equal(invalidDomainReason(normalizeDomain('CO.UK.')), 'is a public suffix: nobody can own its DNS zone');
  assert.equal(invalidDomainReason(normalizeDomain('foo.ck')), 'is a public suffix: nobody can own its DNS zone');
  assert.equal(invalidDomainReason(normalizeDomain('公司.cn')), 'is a public suffix: nobody can own its DNS zone');
  assert.equal(invalidDomainReason('com'), 'has a single label');
  assert.equal(invalidDomainReason(normalizeDomain('example.co.uk')), undefined);
  assert.equal(invalidDomainReason(normalizeDomain('www.ck')), undefined);
  // A zero-width joiner is not allowed by IDNA: the name stays as it was and is refused.
  assert.equal(invalidDomainReason(normalizeDomain('e\u200dx.com')), 'is not a valid internationalised domain name: IDNA refuses it (it contains U+200D)');
});

test('SOA walk candidates: any depth, stop at the registrable domain, nothing for a public suffix', () => {
  assert.deepEqual(zoneCandidates('_acme-challenge.a.b.c.d.example.co.uk'), [
    '_acme-challenge.a.b.c.d.example.co.uk', 'a.b.c.d.example.co.uk', 'b.c.d.example.co.uk', 'c.d.example.co.uk',
    'd.example.co.uk', 'example.co.uk',
  ]);
  assert.deepEqual(zoneCandidates('_acme-challenge.example.com'), ['_acme-challenge.example.com', 'example.com']);
  assert.deepEqual(zoneCandidates('_acme-challenge.xn--bcher-kva.example'), ['_acme-challenge.xn--bcher-kva.example', 'xn--bcher-kva.example']);
  assert.deepEqual(zoneCandidates('_acme-challenge.a.foo.ck'), ['_acme-challenge.a.foo.ck', 'a.foo.ck']);
  assert.deepEqual(zoneCandidates('co.uk'), []);
  assert.deepEqual(zoneCandidates('foo.ck'), []);
});
