import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ExitCode, UsageError, exitCodeOf, oneLine, toUserLine, type ExitCodeValue } from '../errors.js';
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
/** The client front ends: their arguments are read by clients.ts; here only a malformed call ends up. */
const CLIENT_FORMS = new Set(['lego', 'present', 'dehydrated']);

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
    if (command && parsed.values.help && !COMMANDS.has(command) && (await import('./clients.js')).isDehydratedEvent(command)) {
      // `deploy_challenge --help`: the interface it belongs to.
      const { COMMAND_HELP } = await import('./help.js');
      io.stdout(`${COMMAND_HELP['dehydrated']}\n`);
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
    if (rest.length > 0 && !WITH_ARGS.has(command)) {
      throw new UsageError(`${command}: unexpected argument "${oneLine(rest[0]!, 80)}"`, CLIENT_FORMS.has(command) ? `run \`acme-godaddy ${command} --help\`` : `${command} takes no arguments; run \`acme-godaddy ${command} --help\``);
    }
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
    throw parseError(err, argv);
  }
}

/**
 * node's parseArgs messages, said our way: one line naming the option and the command, and a
 * hint. The command is the first word of argv that is one (parsing stopped before it was known).
 */
function parseError(err: unknown, argv: readonly string[]): UsageError {
  const e = err as { code?: string; message?: string };
  const message = String(e.message ?? err);
  const command = argv.find((a) => COMMANDS.has(a));
  const help = `run \`acme-godaddy ${command ? `${command} ` : ''}--help\``;
  const forCommand = command ? ` for ${command}` : '';
  // The option as written: '--bogus', '-x', or '-h, --help' (a boolean given a value).
  const option = (/'([^']+)'/.exec(message)?.[1] ?? '').replace(/^-\w, /, '').replace(/ <value>$/, '');
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown option "${option}"${forCommand}`, help);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) {
      return new UsageError(`option ${option} takes no value`, `write ${option} alone; ${help}`);
    }
    const at = argv.indexOf(option);
    const next = at >= 0 ? argv[at + 1] : undefined;
    if (next !== undefined && next.startsWith('-')) {
      return new UsageError(`option ${option} needs a value`,
        `write ${option}=${next} for a value that starts with "-"`);
    }
    return new UsageError(`option ${option} needs a value`, `write ${option} <value>; ${help}`);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError(`unexpected argument${forCommand}`, help);
  }
  return new UsageError(oneLine(message), help);
}


/** Set by the single-file bundle (scripts/bundle.ts), which has no package.json beside it. */
declare const __ACME_GODADDY_VERSION__: string | undefined;

function version(): string {
  if (typeof __ACME_GODADDY_VERSION__ === 'string') return __ACME_GODADDY_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
