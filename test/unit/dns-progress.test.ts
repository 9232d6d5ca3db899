// The TTY display of the propagation wait: exact lines, redrawing in place, the final line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { progressDisplay, progressLines } from '../../src/cli/progress.js';
import type { PendingCheck, ServerProgress } from '../../src/dns/propagation.js';
import type { Nameserver } from '../../src/dns/resolver.js';

const NS1: Nameserver = { name: 'ns1.dc.test', address: '192.0.2.1', port: 53 };
const NS1V6: Nameserver = { name: 'ns1.dc.test', address: '2001:db8::1', port: 53 };
const NS2: Nameserver = { name: 'ns2.dc.test', address: '192.0.2.2', port: 53 };
const V1 = 'value-one-abcdefghijklmnopqrstuvwxyz0123456';
const V2 = 'value-two-abcdefghijklmnopqrstuvwxyz0123456';
const FQDN = '_acme-challenge.example.test';

const progress = (server: Nameserver, served: number, done: boolean, problem?: string): ServerProgress =>
  ({ server, expected: 2, served, done, problem, queries: 3 });
const pending = (server: Nameserver, missing: string[], problem?: string): PendingCheck => ({ server, fqdn: FQDN, missing, problem });

test('one line per nameserver address: state, values served, what it lacks, its last problem', () => {
  const lines = progressLines(
    [progress(NS1, 2, true), progress(NS1V6, 1, false), progress(NS2, 0, false, 'SERVFAIL')],
    [pending(NS1V6, [V2]), pending(NS2, [V1, V2], 'SERVFAIL')],
    2345);
  assert.deepEqual(lines, [
    'acme-godaddy: waiting for DNS (2.3 s): 1 of 3 nameserver address(es) ready',
    '  ok    ns1.dc.test 192.0.2.1:53        2/2',
    '  wait  ns1.dc.test [2001:db8::1]:53    1/2  lacks value-two-…',
    '  wait  ns2.dc.test 192.0.2.2:53        0/2  (SERVFAIL)',
  ]);
});

test('redraws in place (cursor up, clear), cuts lines to the terminal width, ends with one summary line', () => {
  let out = '';
  let clock = 0;
  const draw = progressDisplay({ write: (text) => { out += text; }, columns: 40, now: () => clock });
  const servers = [progress(NS1, 0, false), progress(NS2, 0, false)];
  draw([pending(NS1, [V1, V2]), pending(NS2, [V1, V2])], 0, servers);
  assert.equal(out, [
    'acme-godaddy: waiting for DNS (0.0 s):…',
    '  wait  ns1.dc.test 192.0.2.1:53    0/2',
    '  wait  ns2.dc.test 192.0.2.2:53    0/2',
    '',
  ].join('\n'));
  out = '';
  clock = 50; // within 100 ms of the last drawing: skipped
  draw([pending(NS2, [V1, V2])], 50, [progress(NS1, 2, true), progress(NS2, 0, false)]);
  assert.equal(out, '');
  clock = 150;
  draw([pending(NS2, [V2])], 150, [progress(NS1, 2, true), progress(NS2, 1, false)]);
  assert.equal(out, '\x1b[3F\x1b[J' + [
    'acme-godaddy: waiting for DNS (0.1 s):…',
    '  ok    ns1.dc.test 192.0.2.1:53    2/2',
    '  wait  ns2.dc.test 192.0.2.2:53    1/…',
    '',
  ].join('\n'));
  out = '';
  clock = 160; // the last one is always drawn
  draw([], 160, [progress(NS1, 2, true), progress(NS2, 2, true)]);
  assert.equal(out, '\x1b[3F\x1b[Jacme-godaddy: all 2 nameserver address(es) serve every value after 0.2 s\n');
  out = '';
  draw([], 170, [progress(NS1, 2, true), progress(NS2, 2, true)]);
  assert.equal(out, '', 'nothing after the end');
});
