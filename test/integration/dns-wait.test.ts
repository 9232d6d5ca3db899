// When the CLI waits, for what, and what it shows: one wait per certbot run covering every zone of
// the run; without CERTBOT_REMAINING_CHALLENGES each auth waits for its own value; cleanup never
// waits; nothing on stderr without a TTY, a line per nameserver address on one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, runCli, validation } from '../support/cli.js';
import { askedPairs, dnsWorld } from '../support/dns-world.js';

const NS = ['127.0.0.2', '127.0.0.3'];

test('no CERTBOT_REMAINING_CHALLENGES (old certbot, other clients): each auth waits, for its own value only', async (t) => {
  const w = await dnsWorld(t);
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'no-count' };
  const names = ['_acme-challenge.example.test', '_acme-challenge.www.example.test'];
  for (const [i, domain] of ['example.test', 'www.example.test'].entries()) {
    const v = validation(domain);
    const mark = w.sim.dnsQueries.length;
    const r = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: domain, CERTBOT_VALIDATION: v });
    const exitedAt = Date.now();
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.deepEqual(askedPairs(w.sim, mark), NS.map((a) => `${a} ${names[i]}`), `${domain}: asked for its own name only`);
    for (const ns of w.sim.nameservers) {
      const at = w.sim.publishedAt(ns.address, names[i]!, v);
      assert.ok(at !== undefined && at <= exitedAt, `${domain}: ${ns.name} served it before the hook returned`);
    }
  }
});

test('two zones in one certbot run: earlier auths ask no nameserver, the last one waits once for both zones', async (t) => {
  const w = await dnsWorld(t);
  const run = { ...w.env, ACME_GODADDY_RUN_ID: 'two-zones' };
  const [v1, v2] = [validation('zone1'), validation('zone2')];
  let mark = w.sim.dnsQueries.length;
  const first = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'example.test', CERTBOT_VALIDATION: v1, CERTBOT_REMAINING_CHALLENGES: '1' });
  assert.deepEqual([first.code, first.stderr], [0, '']);
  assert.deepEqual(askedPairs(w.sim, mark), [], 'no propagation check before the last challenge');
  mark = w.sim.dnsQueries.length;
  const last = await runCli(['auth'], { ...run, CERTBOT_DOMAIN: 'api.other.test', CERTBOT_VALIDATION: v2, CERTBOT_REMAINING_CHALLENGES: '0' });
  const exitedAt = Date.now();
  assert.deepEqual([last.code, last.stderr], [0, '']);
  assert.deepEqual(askedPairs(w.sim, mark), NS.flatMap((a) => [`${a} _acme-challenge.api.other.test`, `${a} _acme-challenge.example.test`]));
  for (const ns of w.sim.nameservers) {
    for (const [fqdn, v] of [['_acme-challenge.example.test', v1], ['_acme-challenge.api.other.test', v2]] as const) {
      const at = w.sim.publishedAt(ns.address, fqdn, v);
      assert.ok(at !== undefined && at <= exitedAt, `${ns.name} served ${fqdn} before the last auth returned`);
    }
  }

  // Cleanup never waits: even with a nameserver that no longer publishes anything.
  w.sim.setNameserverMode('ns2.domaincontrol.test', 'stale');
  mark = w.sim.dnsQueries.length;
  for (const [domain, v] of [['example.test', v1], ['api.other.test', v2]] as const) {
    const c = await runCli(['cleanup'], { ...run, CERTBOT_DOMAIN: domain, CERTBOT_VALIDATION: v });
    assert.deepEqual([c.code, c.stderr], [0, '']);
  }
  assert.deepEqual(askedPairs(w.sim, mark), [], 'cleanup asked no authoritative server');
  assert.deepEqual([w.sim.txt('example.test', '_acme-challenge'), w.sim.txt('other.test', '_acme-challenge.api')], [[], []]);
});

test('on a terminal: a live line per nameserver address during the wait, then one summary line', {
  skip: !existsSync('/usr/bin/script') && 'script(1) from util-linux is needed for a pseudo-terminal',
}, async (t) => {
  const w = await dnsWorld(t, {
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 150 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 1500 },
    ],
  });
  const env = { PATH: process.env['PATH'], ACME_GODADDY_ENV_FILE: '/dev/null', ...w.env, TERM: 'xterm',
    CERTBOT_DOMAIN: 'tty.example.test', CERTBOT_VALIDATION: validation('tty'), CERTBOT_REMAINING_CHALLENGES: '0' };
  // script(1) runs the hook with stderr on a pseudo-terminal and copies what it shows to stdout.
  const child = spawn('/usr/bin/script', ['-qfec', `stty cols 120; exec ${process.execPath} ${BIN} auth`, '/dev/null'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => { screen += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, screen);
  const lines = screen.replace(/\r/g, '').split(/\n|\x1b\[\d+F\x1b\[J/).filter(Boolean);
  const port = w.sim.dnsPort;
  assert.match(lines[0]!, /^acme-godaddy: waiting for DNS \(0\.\d s\): 0 of 2 nameserver address\(es\) ready$/);
  assert.ok(lines.includes(`  wait  ns2.domaincontrol.test 127.0.0.3:${port}    0/1  (NXDOMAIN)`), lines.join('\n'));
  assert.ok(lines.includes(`  ok    ns1.domaincontrol.test 127.0.0.2:${port}    1/1`), lines.join('\n'));
  assert.match(lines.at(-1)!, /^acme-godaddy: all 2 nameserver address\(es\) serve every value after \d+\.\d s$/);
  assert.ok(screen.includes('\x1b[3F\x1b[J'), 'redrawn in place');
});

// The counterpart of the terminal test, as certbot and cron run the hook: stderr is a pipe. The same
// 1.5 s wait (so a display would have had rounds to draw) must print nothing at all, even with TERM set.
test('not on a terminal (certbot, cron): the same wait prints nothing on success', async (t) => {
  const w = await dnsWorld(t, {
    nameservers: [
      { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 150 },
      { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 1500 },
    ],
  });
  const v = validation('pipe');
  const r = await runCli(['auth'], { ...w.env, TERM: 'xterm', COLUMNS: '120',
    CERTBOT_DOMAIN: 'pipe.example.test', CERTBOT_VALIDATION: v, CERTBOT_REMAINING_CHALLENGES: '0' });
  const exitedAt = Date.now();
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  const at = w.sim.publishedAt('127.0.0.3', '_acme-challenge.pipe.example.test', v);
  assert.ok(at !== undefined && at <= exitedAt, 'it did wait for the slow server');
  const rounds = w.sim.dnsQueries.filter((q) => q.address === '127.0.0.3' && q.name.toLowerCase() === '_acme-challenge.pipe.example.test').length;
  assert.ok(rounds >= 5, `${rounds} polls of the slow server: a display would have drawn`);
});
