/**
 * The CLI's outside contract, pinned: `status --json` and `reconcile --dry-run --json` shapes,
 * usage exit codes, `--version`, and `--help` (with examples) for every subcommand.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { run } from '../../src/cli/run.js';
import { startSim } from '../../src/sim/sim.js';
import { REPO_ROOT, runCli, tmpDir, validation } from '../support/cli.js';

test('status --json and reconcile --dry-run --json: exact shape and values', async (t) => {
  const sim = await startSim({ nameservers: [
    { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 0 },
    { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 0 },
  ] });
  t.after(() => sim.close());
  const stateDir = path.join(tmpDir(t, 'agd-json-'), 'state');
  const env = { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir };
  sim.setTxt('other.test', '_acme-challenge', ['foreign=1']);

  assert.deepEqual(JSON.parse((await runCli(['status', '--json'], env)).stdout), { entries: [] });
  assert.deepEqual(JSON.parse((await runCli(['reconcile', '--dry-run', '--json'], env)).stdout), { dryRun: true, repaired: [], errors: [], records: [] });

  const [live, dead] = [validation('live'), validation('dead')];
  for (const [value, run] of [[live, 'live-run'], [dead, 'dead-run']] as const) {
    const r = await runCli(['auth'], { ...env, ACME_GODADDY_RUN_ID: run, CERTBOT_DOMAIN: 'other.test', CERTBOT_VALIDATION: value, CERTBOT_REMAINING_CHALLENGES: '1' });
    assert.equal(r.code, 0, r.stderr);
  }
  // The dead run's certbot is gone (a PID that does not exist on this host).
  const file = path.join(stateDir, 'zones', 'other.test.json');
  const ledger = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ value: string; owner: Record<string, unknown> }> };
  ledger.entries.find((e) => e.value === dead)!.owner = { run: 'certbot:999999:1', host: os.hostname(), pid: 999999, start: '1' };
  fs.writeFileSync(file, JSON.stringify(ledger));

  const status = await runCli(['status', '--json'], env);
  assert.equal(status.code, 0);
  const entries = (JSON.parse(status.stdout) as { entries: Array<Record<string, unknown>> }).entries;
  assert.equal(entries.length, 2);
  for (const e of entries) {
    assert.deepEqual(Object.keys(e), ['zone', 'record', 'value', 'domain', 'state', 'stale', 'run', 'createdAt', 'updatedAt', 'expiresAt', 'ageSeconds']);
    assert.equal(typeof e['ageSeconds'], 'number');
    for (const k of ['createdAt', 'updatedAt', 'expiresAt']) assert.ok(!Number.isNaN(Date.parse(e[k] as string)), k);
  }
  const pick = (e: Record<string, unknown>): unknown[] => [e['zone'], e['record'], e['value'], e['domain'], e['state'], e['stale'], e['run']];
  assert.deepEqual(entries.map(pick).sort((a, b) => String(a[6]).localeCompare(String(b[6]))), [
    ['other.test', '_acme-challenge', dead, 'other.test', 'live', true, 'certbot:999999:1'],
    ['other.test', '_acme-challenge', live, 'other.test', 'live', false, 'id:live-run'],
  ]);

  const plan = await runCli(['reconcile', '--dry-run', '--json'], env);
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(JSON.parse(plan.stdout), {
    dryRun: true,
    repaired: [],
    errors: [],
    records: [{ zone: 'other.test', record: '_acme-challenge', action: 'put', keep: [live], remove: [dead], foreign: ['foreign=1'] }],
  });
  assert.deepEqual(sim.txt('other.test', '_acme-challenge').sort(), [dead, live, 'foreign=1'].sort(), 'a dry run changes nothing');
  assert.ok(sim.requests.slice(-1).every((r) => r.method === 'GET'));

  const done = await runCli(['reconcile', '--json'], env);
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(JSON.parse(done.stdout), {
    dryRun: false,
    repaired: [],
    errors: [],
    records: [{ zone: 'other.test', record: '_acme-challenge', action: 'put', keep: [live], remove: [dead], foreign: ['foreign=1'] }],
  });
  assert.deepEqual(sim.txt('other.test', '_acme-challenge').sort(), [live, 'foreign=1'].sort());
});

test('exit codes: usage 64, configuration 78; --version prints package.json\'s version', async () => {
  const env = { ACME_GODADDY_STATE_DIR: path.join(os.tmpdir(), 'agd-contract-unused') };
  const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
    [[], {}, 64, /^acme-godaddy: answer ACME dns-01 challenges/],
    [['frobnicate'], {}, 64, /^acme-godaddy: unknown command "frobnicate" \(hint: run `acme-godaddy --help`\)\n$/],
    [['status', '--nope'], {}, 64, /^acme-godaddy: unknown option "--nope" for status \(hint: run `acme-godaddy status --help`\)\n$/],
    [['auth'], {}, 64, /^acme-godaddy: auth: CERTBOT_DOMAIN and CERTBOT_VALIDATION not set \(hint: run this as certbot's --manual-auth-hook, or pass --domain and --validation\)\n$/],
    [['auth', '--domain', ''], { CERTBOT_DOMAIN: 'example.com', CERTBOT_VALIDATION: 'v' }, 64, /^acme-godaddy: auth: --domain empty \(hint: run this as certbot's --manual-auth-hook, or pass --domain and --validation\)\n$/],
    [['auth', '--domain', 'example.com', '--validation', 'not a token='], {}, 64, /^acme-godaddy: auth: --validation must be 1-255 printable ASCII characters without spaces \(hint: pass the validation string the ACME client gives \(certbot: CERTBOT_VALIDATION\) unchanged\)\n$/],
    [['cleanup'], { CERTBOT_DOMAIN: 'example.com', CERTBOT_VALIDATION: 'a b' }, 64, /^acme-godaddy: cleanup: CERTBOT_VALIDATION must be 1-255 printable ASCII characters without spaces \(hint: /],
    [['present', '_acme-challenge.example.com.'], {}, 64, /^acme-godaddy: lego present: expected <fqdn> <value>, got 1 argument\(s\)/],
    [['lego', 'present', 'www.example.com.', 'v'], {}, 64, /^acme-godaddy: lego: "www\.example\.com\." is not an _acme-challenge name \(hint: .*LEGO_DISABLE_CNAME_SUPPORT=true/],
    [['deploy_challenge', 'example.com', 'token'], {}, 64, /^acme-godaddy: dehydrated deploy_challenge: expected <domain> <token-file> <value> triples, got 2 argument\(s\)/],
    [['status'], { ACME_GODADDY_TTL: '60' }, 78, /^acme-godaddy: invalid configuration: ACME_GODADDY_TTL must be between 600 and 604800 \(got 60\)/],
  ];
  for (const [args, extra, code, stderr] of cases) {
    const r = await runCli(args, { ...env, ...extra });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.deepEqual(await runCli(['--version'], env).then((r) => [r.code, r.stdout]), [0, `${version}\n`]);
});

/** The CLI in-process (same code as bin/acme-godaddy, without a process start per call). */
async function inProcess(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, env, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTty: false });
  return { code, stdout, stderr };
}

test('--help: every subcommand has usage and examples; dehydrated\'s other events exit 0 silently without any configuration', async () => {
  const commands = ['auth', 'cleanup', 'reconcile', 'status', 'check', 'demo', 'lego', 'present', 'dehydrated'];
  assert.deepEqual(Object.keys(COMMAND_HELP).sort(), [...commands].sort());
  for (const command of commands) {
    const r = await inProcess([command, '--help']);
    assert.equal(r.code, 0, command);
    assert.equal(r.stdout, `${COMMAND_HELP[command]}\n`);
    assert.match(r.stdout, /^Usage: acme-godaddy /, command);
    assert.match(r.stdout, /\nExamples?( \([^)]*\))?:\n {2}\S/, `${command} --help has an example`);
  }
  const main = await runCli(['--help'], {});
  assert.equal(main.code, 0);
  for (const command of commands.filter((c) => c !== 'present')) assert.match(main.stdout, new RegExp(`\\n {2}${command} `), command);

  // dehydrated probes with a made-up event and fails the run unless the hook exits 0; a broken
  // configuration must not matter for events we ignore.
  const broken = { ACME_GODADDY_TTL: 'broken', ACME_GODADDY_ENV_FILE: '/nonexistent' };
  for (const event of ['this_hookscript_is_broken__dehydrated_is_working_fine__please_ignore_unknown_hooks_in_your_script',
    'startup_hook', 'deploy_cert', 'generate_csr', 'exit_hook', 'some_future_hook']) {
    assert.deepEqual(await inProcess([event, 'example.com', '/tmp/x', '--weird'], broken), { code: 0, stdout: '', stderr: '' }, event);
  }
  const probe = await runCli(['this_hookscript_is_broken__dehydrated_is_working_fine__please_ignore_unknown_hooks_in_your_script'], broken);
  assert.deepEqual([probe.code, probe.stdout, probe.stderr], [0, '', '']);
});

test('client argument conventions: what each argv means (pure parsing)', async () => {
  const { parseClientCall } = await import('../../src/cli/clients.js');
  const { hookBinary } = await import('../../src/cli/check.js');
  const cases: Array<[string[], unknown]> = [
    [['auth'], undefined],
    [['cleanup'], undefined],
    [['cleanup', '--domain', 'a.example'], undefined],
    [['present', '--help'], undefined],
    [['dehydrated', '--help'], undefined],
    [['present', '_acme-challenge.WWW.Example.com.', '-v'], { client: 'lego', action: 'present', challenge: { domain: 'www.example.com', value: '-v' } }],
    [['cleanup', '_acme-challenge.example.com', 'v'], { client: 'lego', action: 'cleanup', challenge: { domain: 'example.com', value: 'v' } }],
    [['lego', 'cleanup', '_acme-challenge.example.com.', 'v'], { client: 'lego', action: 'cleanup', challenge: { domain: 'example.com', value: 'v' } }],
    [['deploy_challenge', 'a.example', 't1', 'v1', 'b.example', 't2', '-v2'],
      { client: 'dehydrated', event: 'deploy_challenge', action: 'deploy', challenges: [{ domain: 'a.example', value: 'v1' }, { domain: 'b.example', value: '-v2' }] }],
    [['dehydrated', 'clean_challenge', 'a.example', 't1', 'v1'],
      { client: 'dehydrated', event: 'clean_challenge', action: 'clean', challenges: [{ domain: 'a.example', value: 'v1' }] }],
    [['deploy_cert', 'a.example', '/k', '/c'], { client: 'dehydrated', event: 'deploy_cert', action: 'ignore' }],
    [['dehydrated', 'exit_hook'], { client: 'dehydrated', event: 'exit_hook', action: 'ignore' }],
  ];
  for (const [argv, expected] of cases) assert.deepEqual(parseClientCall(argv), expected, argv.join(' '));
  assert.throws(() => parseClientCall(['present', '_acme-challenge.', 'v']), /is not an _acme-challenge name/);
  assert.throws(() => parseClientCall(['clean_challenge', 'a', 'b', 'c', 'd']), /triples, got 4 argument/);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agd-bin-'));
  try {
    fs.writeFileSync(path.join(dir, 'exe'), '', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'plain.mjs'), '', { mode: 0o644 });
    assert.deepEqual(hookBinary('exe', '/usr/bin/node', dir), { command: path.join(dir, 'exe'), script: path.join(dir, 'exe') });
    assert.deepEqual(hookBinary('plain.mjs', '/usr/bin/node', dir), { command: `/usr/bin/node ${path.join(dir, 'plain.mjs')}`, script: path.join(dir, 'plain.mjs') });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options: node\'s parseArgs messages become one line of ours, with a hint, exit 64', async () => {
  const cases: Array<[string[], string]> = [
    [['auth', '--bogus'], 'acme-godaddy: unknown option "--bogus" for auth (hint: run `acme-godaddy auth --help`)'],
    [['--bogus'], 'acme-godaddy: unknown option "--bogus" (hint: run `acme-godaddy --help`)'],
    [['status', '-vx'], 'acme-godaddy: unknown option "-x" for status (hint: run `acme-godaddy status --help`)'],
    [['auth', '--remaining', '-3'], 'acme-godaddy: option --remaining needs a value (hint: write --remaining=-3 for a value that starts with "-")'],
    [['auth', '--validation', '-abc'], 'acme-godaddy: option --validation needs a value (hint: write --validation=-abc for a value that starts with "-")'],
    [['cleanup', '--domain'], 'acme-godaddy: option --domain needs a value (hint: write --domain <value>; run `acme-godaddy cleanup --help`)'],
    [['status', '--json=yes'], 'acme-godaddy: option --json takes no value (hint: write --json alone; run `acme-godaddy status --help`)'],
    [['status', 'extra'], 'acme-godaddy: status: unexpected argument "extra" (hint: status takes no arguments; run `acme-godaddy status --help`)'],
    [['auth', '--remaining=-3', '--domain', 'example.com', '--validation', 'v'],
      'acme-godaddy: auth: --remaining must be a whole number (got "-3") (hint: the number of challenges certbot has still to authorise after this one, 0 for the last)'],
  ];
  for (const [args, line] of cases) {
    const r = await inProcess(args, { ACME_GODADDY_ENV_FILE: '/dev/null', ACME_GODADDY_STATE_DIR: path.join(os.tmpdir(), 'agd-contract-unused') });
    assert.deepEqual(r, { code: 64, stdout: '', stderr: `${line}\n` }, args.join(' '));
  }
});

test('deploy_challenge --help and clean_challenge --help show the dehydrated help', async () => {
  for (const args of [['deploy_challenge', '--help'], ['clean_challenge', '-h'], ['dehydrated', 'deploy_challenge', '--help']]) {
    assert.deepEqual(await inProcess(args), { code: 0, stdout: `${COMMAND_HELP['dehydrated']}\n`, stderr: '' }, args.join(' '));
  }
  assert.deepEqual(await inProcess(['lego', 'present', '--help']), { code: 0, stdout: `${COMMAND_HELP['lego']}\n`, stderr: '' });
});

test('check with a bad ACME_GODADDY_API_RATE: one configuration line with every problem, exit 78, nothing on stdout', async (t) => {
  const r = await runCli(['check', 'example.com'], { ACME_GODADDY_STATE_DIR: path.join(tmpDir(t), 'state'), ACME_GODADDY_TTL: '5',
    ACME_GODADDY_API_RATE: 'fast', GODADDY_API_KEY: 'k', GODADDY_API_SECRET: 's' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [78, '', 'acme-godaddy: invalid configuration: ACME_GODADDY_TTL must be between 600 and 604800 (got 5); '
    + 'ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "fast") (hint: see the configuration table in the README)\n']);
});

test('a relative ACME_GODADDY_ENV_FILE is refused like the other relative paths: one line, exit 78', async () => {
  const r = await runCli(['status'], { ACME_GODADDY_ENV_FILE: 'acme.env' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [78, '',
    'acme-godaddy: invalid configuration: ACME_GODADDY_ENV_FILE must be an absolute path (got "acme.env") (hint: see the configuration table in the README)\n']);
});

test('status refuses a state directory group or others can write to, like the hooks (exit 74, one line)', async (t) => {
  const stateDir = path.join(tmpDir(t), 'state');
  fs.mkdirSync(path.join(stateDir, 'zones'), { recursive: true, mode: 0o700 });
  const env = { ACME_GODADDY_ENV_FILE: '/dev/null', ACME_GODADDY_STATE_DIR: stateDir };
  assert.deepEqual(await inProcess(['status'], env), { code: 0, stdout: 'no pending values\n', stderr: '' });
  fs.chmodSync(stateDir, 0o777);
  assert.deepEqual(await inProcess(['status'], env), { code: 74, stdout: '',
    stderr: `acme-godaddy: state directory ${stateDir} is writable by group or others (mode 777) (hint: chmod 700 ${stateDir})\n` });
  fs.chmodSync(stateDir, 0o700);
  fs.chmodSync(path.join(stateDir, 'zones'), 0o770);
  assert.deepEqual(await inProcess(['status', '--json'], env), { code: 74, stdout: '',
    stderr: `acme-godaddy: state directory ${stateDir}/zones is writable by group or others (mode 770) (hint: chmod 700 ${stateDir}/zones)\n` });
  // No state directory yet: nothing pending, and nothing created.
  const absent = path.join(tmpDir(t), 'never-used');
  assert.deepEqual(await inProcess(['status'], { ...env, ACME_GODADDY_STATE_DIR: absent }), { code: 0, stdout: 'no pending values\n', stderr: '' });
  assert.equal(fs.existsSync(absent), false);
});
