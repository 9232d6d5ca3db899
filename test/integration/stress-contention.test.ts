// Issue #3, scale under contention (CI subset): K=8 simulated certbot runs on shared names in two
// zones, auth then cleanup, with API latency and transient 503/409/dropped connections.
import test from 'node:test';
import { contentionTest } from './stress-support.js';

test('K=8 runs across 2 zones with latency and transient faults: no live value missing at GoDaddy or on any nameserver, none left, foreign values untouched', async (t) => {
  await contentionTest(t, 8, 8);
});
