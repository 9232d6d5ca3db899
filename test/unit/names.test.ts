import test from 'node:test';
import assert from 'node:assert/strict';
import { invalidDomainReason, normalizeDomain, relativeName, zoneCandidates } from '../../src/domain/names.js';

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
  assert.equal(invalidDomainReason('ex ample.com'), 'has an invalid label "ex ample"');
  assert.equal(invalidDomainReason('../etc.com'), 'has an empty label');
});

test('zone candidates stop at the registrable domain, never at a public suffix', () => {
  assert.deepEqual(zoneCandidates('_acme-challenge.a.example.co.uk'),
    ['_acme-challenge.a.example.co.uk', 'a.example.co.uk', 'example.co.uk']);
});
