/**
 * Issue #3: which run a hook belongs to (src/state/owner.ts), on fake /proc trees: certbot as PID 1
 * (containers) and hooks orphaned to PID 1. A wrong answer here means a killed run's values are
 * never recognised as stale, or a run's propagation wait waits for another run's values.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { currentOwner, isOwnerGone } from '../../src/state/owner.js';
import { tmpDir } from '../support/cli.js';

/** Writes /proc/<pid>/{stat,cmdline} as Linux does (comm in parentheses; start time = field 22). */
function fakeProc(root: string, pid: number, ppid: number, start: string, argv: string[]): void {
  const dir = path.join(root, String(pid));
  fs.mkdirSync(dir, { recursive: true });
  const comm = path.basename(argv[0] ?? '?').slice(0, 15);
  const fields = ['S', String(ppid), ...Array.from({ length: 17 }, () => '0'), start, '0', '0'];
  fs.writeFileSync(path.join(dir, 'stat'), `${pid} (${comm}) ${fields.join(' ')}\n`);
  fs.writeFileSync(path.join(dir, 'cmdline'), `${argv.join('\0')}\0`);
}

const HOOK = ['node', '/opt/acme-godaddy/bin/acme-godaddy', 'auth'];

test('certbot running as PID 1 (a container) is found through /bin/sh -c', (t) => {
  const root = tmpDir(t);
  fakeProc(root, 1, 0, '100', ['/usr/local/bin/python', '/usr/local/bin/certbot', 'renew']);
  fakeProc(root, 40, 1, '5000', ['/bin/sh', '-c', '/opt/acme-godaddy/bin/acme-godaddy auth']);
  fakeProc(root, 50, 40, '5001', HOOK);
  const owner = currentOwner({}, root, 50);
  assert.equal(owner.run, 'certbot:1:100');
  assert.equal(owner.pid, 1);
  assert.equal(owner.start, '100');
});

test('certbot as PID 1 running the hook directly', (t) => {
  const root = tmpDir(t);
  fakeProc(root, 1, 0, '100', ['certbot', 'certonly']);
  fakeProc(root, 7, 1, '900', HOOK);
  assert.equal(currentOwner({}, root, 7).run, 'certbot:1:100');
});

test('a hook orphaned to PID 1 (not certbot) gets a run of its own, never a shared "ppid:1" run', (t) => {
  const root = tmpDir(t);
  fakeProc(root, 1, 0, '1', ['/sbin/init']);
  fakeProc(root, 50, 1, '5001', HOOK);
  fakeProc(root, 51, 1, '5002', HOOK);
  const a = currentOwner({}, root, 50);
  const b = currentOwner({}, root, 51);
  assert.equal(a.run, 'orphan:50:5001');
  assert.equal(b.run, 'orphan:51:5002');
  // Not observable: it ends by expiry, like other runs without a certbot process.
  assert.equal(a.pid, undefined);
  assert.equal(isOwnerGone(a, root), false);
});

test('a hook under a shell that was orphaned belongs to that shell (ppid run); certbot further up is still found', (t) => {
  const root = tmpDir(t);
  fakeProc(root, 1, 0, '1', ['/sbin/init']);
  fakeProc(root, 40, 1, '4000', ['/bin/sh', '-c', 'hook']);
  fakeProc(root, 50, 40, '5001', HOOK);
  assert.equal(currentOwner({}, root, 50).run, 'ppid:40:4000');
  fakeProc(root, 30, 1, '3000', ['/usr/bin/python3', '/usr/bin/certbot', 'renew']);
  fakeProc(root, 41, 30, '4100', ['/bin/sh', '-c', 'hook']);
  fakeProc(root, 60, 41, '6001', HOOK);
  const owner = currentOwner({}, root, 60);
  assert.equal(owner.run, 'certbot:30:3000');
  assert.equal(isOwnerGone(owner, root), false);
  fs.rmSync(path.join(root, '30'), { recursive: true });
  assert.equal(isOwnerGone(owner, root), true, 'the run is over once certbot is gone');
});

test('ACME_GODADDY_RUN_ID overrides', (t) => {
  const root = tmpDir(t);
  fakeProc(root, 1, 0, '100', ['certbot']);
  fakeProc(root, 7, 1, '900', HOOK);
  assert.equal(currentOwner({ ACME_GODADDY_RUN_ID: 'batch-7' }, root, 7).run, 'id:batch-7');
});
