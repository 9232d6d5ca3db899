// Issue #3, scale under contention (CI subset): K=32 simulated certbot runs on shared names in two
// zones, auth then cleanup, with API latency and transient 503s and a dropped connection (K=8 gets the full set).
// One challenge per run (32 auth processes at once, then 32 cleanups): node's runner bounds each
// file to 60 s; `npm run stress` runs K=32 and K=64 with two-challenge runs too.
import test from 'node:test';
import { contentionTest } from './stress-support.js';

test('K=32 runs (one challenge each) across 2 zones with latency and transient faults: no live value missing at GoDaddy or on any nameserver, none left, foreign values untouched', async (t) => {
  await contentionTest(t, 32, 32, { pairs: 0, faults: 'one-each' });
});
