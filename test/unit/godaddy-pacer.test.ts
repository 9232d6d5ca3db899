/**
 * The shared request budget: the pacing rule (sliding window + guard, GoDaddy's "not before",
 * spacing after a 429, refusing absurd holds), ACME_GODADDY_API_RATE parsing, the budget file
 * (shared between pacers as between processes, corrupt or unusable files) and its cost.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, HookError } from '../../src/errors.js';
import {
  FilePacer, GODADDY_BUDGET, MemoryPacer, applyHold, budgetId, guardMs, parseRate, reserve, type EndpointState,
} from '../../src/godaddy/pacer.js';
import { Secret } from '../../src/secret.js';
import { tmpDir } from '../support/cli.js';

const EP = 'GET /v1/domains/{domain}/records/{type}/{name}';

describe('pacing rule', () => {
  it('GoDaddy budget: 60 per 60 s per endpoint, with a 1 s guard (at most 60 sends in any 61 s)', () => {
    assert.deepEqual({ ...GODADDY_BUDGET }, { limit: 60, windowMs: 60_000 });
    assert.equal(guardMs(60_000), 1000);
    assert.equal(guardMs(2_000), 500);
    const state: EndpointState = { sent: [] };
    const slots = Array.from({ length: 130 }, () => reserve(state, 0, GODADDY_BUDGET, 120_000) as number);
    assert.deepEqual(slots.slice(0, 60), Array(60).fill(0), 'a free budget costs no wait');
    assert.deepEqual([slots[60], slots[119], slots[120]], [61_000, 61_000, 122_000]);
    for (let i = 60; i < slots.length; i++) assert.ok(slots[i]! - slots[i - 60]! >= 61_000, `slot ${i}`);
  });

  it('a window slides: slots free up as old sends leave it', () => {
    const budget = { limit: 3, windowMs: 1000 }; // window + guard = 1250 ms
    const state: EndpointState = { sent: [] };
    assert.equal(reserve(state, 0, budget, 10_000), 0);
    assert.equal(reserve(state, 400, budget, 10_000), 400);
    assert.equal(reserve(state, 800, budget, 10_000), 800);
    assert.equal(reserve(state, 900, budget, 10_000), 1250);
    assert.equal(reserve(state, 900, budget, 10_000), 1650);
    assert.equal(reserve(state, 3000, budget, 10_000), 3000);
    assert.deepEqual(state.sent, [3000], 'sends older than the window (1250 ms) are pruned');
  });

  it('GoDaddy\'s "not before" holds every request to that endpoint, then spaces them windowMs/limit apart for one window', () => {
    const budget = { limit: 60, windowMs: 60_000 };
    const state: EndpointState = { sent: [0, 100] };
    applyHold(state, 5_000, budget);
    applyHold(state, 4_000, budget); // an earlier time never shortens a hold
    assert.deepEqual([reserve(state, 200, budget, 120_000), reserve(state, 200, budget, 120_000), reserve(state, 200, budget, 120_000)], [5_000, 6_000, 7_000]);
    assert.equal(reserve(state, 70_000, budget, 120_000), 70_000, 'spacing ends one window after the hold');
    assert.equal(reserve(state, 70_000, budget, 120_000), 70_000);
  });

  it('refuses (does not wait) when GoDaddy asked for more than maxHoldMs', () => {
    const state: EndpointState = { sent: [] };
    applyHold(state, 200_000, GODADDY_BUDGET);
    assert.deepEqual(reserve(state, 0, GODADDY_BUDGET, 120_000), { refuse: 200_000 });
    assert.deepEqual(state.sent, [], 'a refused request takes no slot');
    assert.equal(reserve(state, 81_000, GODADDY_BUDGET, 120_000), 200_000);
  });

  it('MemoryPacer refuses with exit 75 and a one-line message', async () => {
    let now = 1_000_000;
    const pacer = new MemoryPacer({ budget: GODADDY_BUDGET, now: () => now });
    await pacer.hold(EP, now + 600_000);
    await assert.rejects(pacer.acquire(EP), (err: unknown) => {
      assert.ok(err instanceof HookError);
      assert.equal(err.exitCode, 75);
      assert.equal(err.message, `GoDaddy rate limit: GoDaddy asked for no ${EP} request before ${new Date(now + 600_000).toISOString()} (600 s from now); not waiting that long`);
      return true;
    });
    now += 600_000;
    assert.equal(await pacer.acquire(EP), 0);
  });
});

describe('ACME_GODADDY_API_RATE', () => {
  it('N/S or off; default 60/60', () => {
    assert.deepEqual(parseRate(undefined), { limit: 60, windowMs: 60_000 });
    assert.deepEqual(parseRate(' '), { limit: 60, windowMs: 60_000 });
    assert.deepEqual(parseRate('3/2'), { limit: 3, windowMs: 2_000 });
    assert.deepEqual(parseRate('30 / 60'), { limit: 30, windowMs: 60_000 });
    assert.deepEqual(parseRate('5/0.5'), { limit: 5, windowMs: 500 });
    assert.equal(parseRate('OFF'), 'off');
    for (const bad of ['60', '0/60', '60/0', 'fast', '-1/5']) {
      assert.throws(() => parseRate(bad), (err: unknown) => err instanceof ConfigError && err.exitCode === 78
        && err.message === `invalid configuration: ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "${bad}")`);
    }
  });
});

describe('budget file', () => {
  it('one file per API origin and key, named by a hash that does not contain the key', () => {
    const key = new Secret('my-secret-api-key');
    const id = budgetId(new URL('https://api.godaddy.com'), key);
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.notEqual(id, budgetId(new URL('https://api.ote-godaddy.com'), key));
    assert.notEqual(id, budgetId(new URL('https://api.godaddy.com'), new Secret('another-key')));
    assert.equal(id, budgetId(new URL('https://api.godaddy.com/'), key));
  });

  it('two pacers on one directory share the budget (as two processes do), and a hold from one stops the other', async (t) => {
    const dir = path.join(tmpDir(t), 'ratelimit');
    const budget = { limit: 3, windowMs: 400 }; // + 100 ms guard
    const a = new FilePacer(dir, 'id', { budget });
    const b = new FilePacer(dir, 'id', { budget });
    const started = Date.now();
    const waits = [await a.acquire(EP), await b.acquire(EP), await a.acquire(EP), await b.acquire(EP)];
    assert.deepEqual(waits.slice(0, 3), [0, 0, 0]);
    assert.ok(waits[3]! >= 400 && Date.now() - started >= 480, `the 4th send waited for the window (${waits[3]} ms)`);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'id.json'), 'utf8')) as { schema: number; endpoints: Record<string, { sent: number[] }> };
    assert.equal(file.schema, 1);
    assert.equal(file.endpoints[EP]!.sent.length, 4);

    const until = Date.now() + 300;
    await a.hold('PUT x', until);
    await b.acquire('PUT x');
    assert.ok(Date.now() >= until, 'b waited for the hold a recorded');
    assert.equal((fs.statSync(path.join(dir, 'id.json')).mode & 0o777).toString(8), '600');
    assert.equal((fs.statSync(dir).mode & 0o777).toString(8), '700');
  });

  it('a corrupt file is treated as empty and rewritten; an unusable directory falls back to pacing this process only', async (t) => {
    const root = tmpDir(t);
    const dir = path.join(root, 'ratelimit');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'id.json'), '{"schema":1,"tool":"acme-godaddy","endpoints":{"x":');
    const pacer = new FilePacer(dir, 'id', { budget: { limit: 2, windowMs: 60_000 } });
    assert.equal(await pacer.acquire(EP), 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'id.json'), 'utf8')).endpoints[EP].sent.length, 1);

    fs.writeFileSync(path.join(root, 'not-a-dir'), '');
    const messages: string[] = [];
    const fallback = new FilePacer(path.join(root, 'not-a-dir'), 'id', { budget: { limit: 1, windowMs: 300 }, log: (m) => messages.push(m) });
    assert.equal(await fallback.acquire(EP), 0);
    assert.ok((await fallback.acquire(EP)) >= 300, 'still paced, in memory');
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /request budget file .*not-a-dir\/id\.json unusable \(ENOTDIR\); pacing this process only/);
  });

  it('a free budget never makes a hook wait: three requests, zero delay each, all recorded', async (t) => {
    // How long the file round trip takes is a benchmark figure (npm run bench), not a test.
    const root = tmpDir(t);
    const dir = path.join(root, 'ratelimit');
    const pacer = new FilePacer(dir, 'id', { budget: GODADDY_BUDGET });
    const waits = [await pacer.acquire('GET a'), await pacer.acquire('PUT a'), await pacer.acquire('GET a')];
    assert.deepEqual(waits, [0, 0, 0]);
    const endpoints = JSON.parse(fs.readFileSync(path.join(dir, 'id.json'), 'utf8')).endpoints;
    assert.equal(endpoints['GET a'].sent.length, 2);
    assert.equal(endpoints['PUT a'].sent.length, 1);
  });
});
