import test from 'node:test';
import assert from 'node:assert/strict';
import { DOMAIN_HINT, invalidDomainMessage, invalidDomainReason, normalizeDomain, quoteDomainInput, relativeName, zoneCandidates } from '../../src/domain/names.js';

test('relative record names', () => {
  assert.equal(relativeName('_acme-challenge.www.example.com', 'example.com'), '_acme-challenge.www');
  assert.equal(relativeName('_acme-challenge.example.com', 'example.com'), '_acme-challenge');
  assert.equal(relativeName('example.com', 'example.com'), '@');
  assert.throws(() => relativeName('_acme-challenge.example.org', 'example.com'));
});

test('normalisation and validation', () => {
  assert.equal(normalizeDomain(' *.WWW.Example.COM. '), 'www.example.com');
  assert.equal(invalidDomainReason('example.com'), undefined);
  assert.equal(invalidDomainReason('com'), 'has a single label');
  assert.equal(invalidDomainReason('a..com'), 'has an empty label');
  assert.equal(invalidDomainReason('../etc.com'), 'has characters not allowed in a domain name: "/" (allowed: letters, digits, "-", "_" and "." between labels)');
});

// Each weird input gives exactly one reason, on one line, naming what is wrong (not a symptom of it:
// "foo bar;rm -rf /" has no dot, but its problem is the characters, not that it has "a single label").
test('weird input: one precise reason each, always one line', () => {
  const table: Array<[string, string]> = [
    ['foo bar;rm -rf /', 'has characters not allowed in a domain name: " " (space), ";", "/" (allowed: letters, digits, "-", "_" and "." between labels)'],
    ['ex ample.com', 'has characters not allowed in a domain name: " " (space) (allowed: letters, digits, "-", "_" and "." between labels)'],
    ['foo\nbar.example.com', 'has characters not allowed in a domain name: U+000A (allowed: letters, digits, "-", "_" and "." between labels)'],
    ['$(reboot).example.com', 'has characters not allowed in a domain name: "$", "(", ")" (allowed: letters, digits, "-", "_" and "." between labels)'],
    ['a'.repeat(300), 'is 300 characters long; a domain name has at most 253'],
    [`${'a'.repeat(64)}.example.com`, 'has a label of 64 characters; a label has at most 63'],
    ['a..example.com', 'has an empty label'],
    ['.example.com', 'has an empty label'],
    ['example', 'has a single label'],
    ['-foo.example.com', 'has a label that starts or ends with "-" ("-foo")'],
    ['foo-.example.com', 'has a label that starts or ends with "-" ("foo-")'],
    ['xn--zz.example.com', 'has a label that is not valid punycode ("xn--zz")'],
    ['1.2.3.4', 'ends in an all-numeric label: an IP address is not a domain name'],
    ['*.*.example.com', 'has a "*" that is not a leading "*.": only one wildcard label, the leftmost, is allowed'],
    ['www.*.example.com', 'has a "*" that is not a leading "*.": only one wildcard label, the leftmost, is allowed'],
    // A wildcard alone names no domain: not "a * that is not a leading *." (it is one).
    ['*.', 'is only a wildcard, without a domain name'],
    ['*', 'is only a wildcard, without a domain name'],
    [' *. ', 'is only a wildcard, without a domain name'],
    // IDNA refuses a zero-width joiner between Latin letters: normalizeDomain leaves it unconverted.
    ['e\u200dx.example.com', 'is not a valid internationalised domain name: IDNA refuses it (it contains U+200D)'],
    ['co.uk', 'is a public suffix: nobody can own its DNS zone'],
  ];
  for (const [input, reason] of table) {
    const got = invalidDomainReason(normalizeDomain(input));
    assert.equal(got, reason, JSON.stringify(input));
    assert.ok(!/[\r\n]/.test(got!), 'one line');
  }
  // Still fine: underscores, inner double hyphens, valid punycode, IDN, a leading wildcard.
  for (const good of ['_dmarc.example.com', 'ab--cd.example.com', 'xn--bcher-kva.example', 'bücher.example', '*.example.com', '8.example.com']) {
    assert.equal(invalidDomainReason(normalizeDomain(good)), undefined, good);
  }
});

test('invalidDomainMessage: the whole line for the input as given, and one hint for all of them', () => {
  assert.equal(invalidDomainMessage('*.Example.COM.'), undefined);
  assert.equal(invalidDomainMessage('*.'), 'domain "*." is only a wildcard, without a domain name');
  assert.equal(invalidDomainMessage('Foo Bar.example.com'),
    'domain "Foo Bar.example.com" has characters not allowed in a domain name: " " (space) (allowed: letters, digits, "-", "_" and "." between labels)');
  assert.equal(DOMAIN_HINT, 'give the name the certificate is for, as certbot\'s -d takes it: example.com, www.example.com or *.example.com');
});

test('quoteDomainInput: the input as given, quoted, escaped and cut for a one-line message', () => {
  assert.equal(quoteDomainInput('example.com'), '"example.com"');
  assert.equal(quoteDomainInput('foo\nbar;rm -rf /'), '"foo\\nbar;rm -rf /"');
  assert.equal(quoteDomainInput('e\u200dx.com'), '"e\\u200dx.com"');
  const long = quoteDomainInput('a'.repeat(300));
  assert.equal(long, `"${'a'.repeat(77)}…"`);
});

test('zone candidates stop at the registrable domain, never at a public suffix', () => {
  assert.deepEqual(zoneCandidates('_acme-challenge.a.example.co.uk'),
    ['_acme-challenge.a.example.co.uk', 'a.example.co.uk', 'example.co.uk']);
});
