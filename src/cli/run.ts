import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ExitCode, UsageError, exitCodeOf, toUserLine, type ExitCodeValue } from '../errors.js';
import type { Env } from '../config.js';
// Everything else is imported where it is needed, so that each command loads only its own code:
// `--version` reads package.json and nothing more, help texts load only for help, the client
// argument conventions (clients.ts: domain names, public suffix list) only for a first argument
// that can be a client's call, and the hooks' modules (commands.ts) only for a command.

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTty: boolean;
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
};

const COMMANDS = new Set(['auth', 'cleanup', 'reconcile', 'status', 'check', 'demo', 'lego', 'present', 'dehydrated']);
/** Commands that take positional arguments (check: domains). */
const WITH_ARGS = new Set(['check']);

/**
 * The CLI: parses arguments, runs one command, and turns every failure into one line on stderr
 * and a documented exit code. The only place that touches process signals and exit codes.
 */
export async function run(argv: readonly string[], env: Env, io: Io = defaultIo): Promise<ExitCodeValue> {
  let debug = argv.includes('--debug');
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      controller.abort(signal);
      return;
    }
    io.stderr(`acme-godaddy: ${signal} again, exiting now (run \`acme-godaddy reconcile\` later)\n`);
    process.exit(ExitCode.TEMPFAIL);
  };
  const handled: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of handled) process.on(s, onSignal);
  try {
    // lego (EXEC_PATH) and dehydrated (HOOK) call us with positional values that may start with "-".
    // Every form clients.ts recognises starts with a command word: a first argument that is missing or
    // starts with "-" (`--version`, `--help`) is never a client's call, so skip loading it then.
    const client = argv[0] !== undefined && !argv[0].startsWith('-')
      ? (await import('./clients.js')).parseClientCall(argv)
      : undefined;
    if (client) {
      const { runClient } = await import('./commands.js');
      return await runClient(client, env, io, controller.signal);
    }
    const parsed = parse(argv);
    debug = parsed.values.debug === true;
    const [command, ...rest] = parsed.positionals;
    if (parsed.values.version) {
      io.stdout(`${version()}\n`);
      return ExitCode.OK;
    }
    if (!command || (parsed.values.help && !COMMANDS.has(command))) {
      const { MAIN_HELP } = await import('./help.js');
      if (!command && !parsed.values.help) {
        io.stderr(`${MAIN_HELP}\n`);
        return ExitCode.USAGE;
      }
      io.stdout(`${MAIN_HELP}\n`);
      return ExitCode.OK;
    }
    if (!COMMANDS.has(command)) throw new UsageError(`unknown command "${command}"`, 'run `acme-godaddy --help`');
    if (parsed.values.help) {
      const { COMMAND_HELP } = await import('./help.js');
      io.stdout(`${COMMAND_HELP[command]}\n`);
      return ExitCode.OK;
    }
    if (rest.length > 0 && !WITH_ARGS.has(command)) throw new UsageError(`${command}: unexpected argument "${rest[0]}"`);
    const { runCommand } = await import('./commands.js');
    return await runCommand(command, parsed.values, env, io, controller.signal, rest);
  } catch (err) {
    io.stderr(`${toUserLine(err)}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return exitCodeOf(err);
  } finally {
    for (const s of handled) process.off(s, onSignal);
  }
}

export type Flags = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        verbose: { type: 'boolean', short: 'v' },
        debug: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        repair: { type: 'boolean' },
        json: { type: 'boolean' },
        domain: { type: 'string' },
        validation: { type: 'string' },
        remaining: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!, 'run `acme-godaddy --help`');
  }
}

/** Set by the single-file bundle (scripts/bundle.ts), which has no package.json beside it. */
declare const __ACME_GODADDY_VERSION__: string | undefined;

function version(): string {
  if (typeof __ACME_GODADDY_VERSION__ === 'string') return __ACME_GODADDY_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
