import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LedgerStore } from '../../src/state/store.js';
import { emptyLedger, intendAdd } from '../../src/domain/ledger.js';
import { StateError } from '../../src/errors.js';

function tmp(t: test.TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agd-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('creates the state directory 0700 and ledger files 0600, round-trips a ledger', (t) => {
  const base = tmp(t);
  const store = new LedgerStore(path.join(base, 'state'));
  store.ensureDir();
  assert.equal(fs.statSync(path.join(base, 'state')).mode & 0o777, 0o700);
  const ledger = intendAdd(emptyLedger('example.com'), { record: '_acme-challenge', value: 'V', domain: 'example.com',
    owner: { run: 'r', host: 'h' } }, new Date('2026-01-01T00:00:00Z'), 1000);
  store.write(ledger);
  assert.equal(fs.statSync(store.ledgerPath('example.com')).mode & 0o777, 0o600);
  assert.deepEqual(store.read('example.com'), ledger);
  assert.deepEqual(store.zones(), ['example.com']);
  assert.deepEqual(store.read('other.com'), emptyLedger('other.com'));
  assert.deepEqual(fs.readdirSync(store.zonesDir), ['example.com.json'], 'no temp files left');
});

test('refuses corrupt, foreign, newer and malformed ledgers without touching them', (t) => {
  const store = new LedgerStore(tmp(t));
  store.ensureDir();
  const cases: Array<[string, RegExp]> = [
    ['{"schema":1,"tool":"acme-godaddy","zone":"example.com","entr', /is not valid JSON/],
    ['[]', /is not a ledger object/],
    ['{"schema":1,"tool":"other","zone":"example.com","entries":[]}', /was not written by acme-godaddy/],
    ['{"schema":2,"tool":"acme-godaddy","zone":"example.com","entries":[]}', /schema 2, newer than this version understands \(1\)/],
    ['{"schema":1,"tool":"acme-godaddy","zone":"other.com","entries":[]}', /is for zone "other.com"/],
    ['{"schema":1,"tool":"acme-godaddy","zone":"example.com","entries":[{"value":1}]}', /malformed entry \(#0\)/],
  ];
  for (const [text, pattern] of cases) {
    fs.writeFileSync(store.ledgerPath('example.com'), text);
    assert.throws(() => store.read('example.com'), (err: unknown) => err instanceof StateError && pattern.test(err.message)
      && err.message.includes(store.ledgerPath('example.com')) && err.exitCode === 74);
    assert.equal(fs.readFileSync(store.ledgerPath('example.com'), 'utf8'), text, 'file left as it was');
  }
});

test('refuses a state directory others can write to', (t) => {
  const dir = path.join(tmp(t), 'state');
  fs.mkdirSync(dir, { mode: 0o777 });
  fs.chmodSync(dir, 0o777);
  assert.throws(() => new LedgerStore(dir).ensureDir(), /writable by group or others \(mode 777\)/);
});

test('creates missing parents one mkdir at a time (0700), and fails at once where a plain mkdir fails', (t) => {
  const base = tmp(t);
  const store = new LedgerStore(path.join(base, 'a', 'b', 'state'));
  store.ensureDir();
  for (const dir of ['a', 'a/b', 'a/b/state', 'a/b/state/zones']) {
    assert.equal(fs.statSync(path.join(base, dir)).mode & 0o777, 0o700, dir);
  }
  store.ensureDir(); // existing directories are fine
  fs.writeFileSync(path.join(base, 'file'), '');
  const cases: Array<[string, string]> = [
    [path.join(base, 'file', 'state'), 'ENOTDIR'],
  ];
  // (/proc, where Node's recursive mkdir spins forever, is in test/integration/hooks.test.ts, in a
  // child process with a time limit.)
  for (const [dir, code] of cases) {
    const started = Date.now();
    assert.throws(() => new LedgerStore(dir).ensureDir(), (err: unknown) => err instanceof StateError && err.exitCode === 74
      && err.message === `cannot create state directory ${dir}: ${code}`);
    assert.ok(Date.now() - started < 1000);
  }
});

test('salvage reports what repair would do without touching the file; repair moves it aside and keeps what parses', (t) => {
  const store = new LedgerStore(tmp(t));
  store.ensureDir();
  const now = new Date('2026-01-02T03:04:05.678Z');
  const good = intendAdd(emptyLedger('example.com'), { record: '_acme-challenge', value: 'V', domain: 'example.com',
    owner: { run: 'r', host: 'h' } }, now, 1000).entries[0]!;
  const file = store.ledgerPath('example.com');
  const backup = `${file}.broken-2026-01-02T03-04-05-678Z`;
  const cases: Array<[string, { kept: number; lost: number; unparsed: boolean }]> = [
    // Cut inside the first entry: the list is there, its one entry is lost.
    ['{"schema":1,"tool":"acme-godaddy","zone":"example.com","entries":[{"record":"_acme-ch', { kept: 0, lost: 1, unparsed: false }],
    // Cut inside the second entry (a full disk): the complete first entry is kept.
    [`${JSON.stringify({ schema: 1, tool: 'acme-godaddy', zone: 'example.com', entries: [good, good] }).slice(0, -40)}`, { kept: 1, lost: 1, unparsed: false }],
    // Cut after the list opened, before any entry; and cut before the list.
    ['{"schema":1,"tool":"acme-godaddy","zone":"example.com","entries":[', { kept: 0, lost: 0, unparsed: false }],
    ['{"schema":1,"tool":"acme-godaddy","zone":"exa', { kept: 0, lost: 0, unparsed: true }],
    ['{"schema":1,"tool":"acme-godaddy","zone":"example.com"}', { kept: 0, lost: 0, unparsed: true }],
    [JSON.stringify({ schema: 1, tool: 'acme-godaddy', zone: 'example.com', entries: [good, { value: 1 }, 'x'] }), { kept: 1, lost: 2, unparsed: false }],
  ];
  for (const [text, outcome] of cases) {
    fs.writeFileSync(file, text);
    const { ledger, ...preview } = store.salvage('example.com', now);
    assert.deepEqual(preview, { backup, ...outcome });
    assert.deepEqual(ledger.entries, outcome.kept ? [good] : []);
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'salvage changes nothing');
    assert.deepEqual(store.repair('example.com', now), { backup, ...outcome });
    assert.equal(fs.readFileSync(backup, 'utf8'), text);
    assert.deepEqual(store.read('example.com').entries, outcome.kept ? [good] : []);
    assert.deepEqual(store.zonesWithBackupHolding('V'), outcome.kept ? ['example.com'] : []);
    fs.rmSync(backup);
  }
  // A ledger of a newer version is not "repaired": that would drop what this version cannot read.
  const newer = '{"schema":2,"tool":"acme-godaddy","zone":"example.com","entries":[]}';
  fs.writeFileSync(file, newer);
  for (const attempt of [() => store.salvage('example.com', now), () => store.repair('example.com', now)]) {
    assert.throws(attempt, (err: unknown) => err instanceof StateError && err.exitCode === 74
      && err.message === `ledger ${file} was written by a newer acme-godaddy (schema 2; this version understands 1); not repairing it`
      && err.hint === 'upgrade acme-godaddy on this host: a repair would drop what this version cannot read');
  }
  assert.equal(fs.readFileSync(file, 'utf8'), newer);
  assert.equal(fs.existsSync(backup), false);
});
