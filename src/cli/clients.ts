/**
 * Argument conventions of ACME clients other than certbot, turned into plain auth/cleanup calls.
 * Pure: no I/O. The raw argv is read before the normal option parser, because these clients pass
 * values as positional arguments and an ACME value is base64url, so it may start with "-".
 *
 * lego `exec` provider (EXEC_PATH=/usr/local/bin/acme-godaddy, default EXEC_MODE):
 *   acme-godaddy present <fqdn> <value>        fqdn = "_acme-challenge.<domain>." (trailing dot)
 *   acme-godaddy cleanup <fqdn> <value>
 *   acme-godaddy lego present|cleanup <fqdn> <value>    (the same, spelled out)
 *
 * dehydrated hook (HOOK=/usr/local/bin/acme-godaddy, CHALLENGETYPE=dns-01):
 *   acme-godaddy deploy_challenge <domain> <token-file> <value> [<domain> <token-file> <value>…]
 *   acme-godaddy clean_challenge  <domain> <token-file> <value> […]
 *   acme-godaddy <any other snake_case event> …     ignored: exit 0, no output
 *   acme-godaddy dehydrated <event> …              (the same, spelled out)
 *   With HOOK_CHAIN=yes dehydrated passes every challenge of a certificate in one call.
 */
import { CHALLENGE_LABEL } from '../domain/names.js';
import { UsageError } from '../errors.js';

export interface ClientChallenge {
  domain: string;
  value: string;
}

export type ClientCall =
  | { client: 'lego'; action: 'present' | 'cleanup'; challenge: ClientChallenge }
  | { client: 'dehydrated'; event: string; action: 'deploy' | 'clean'; challenges: ClientChallenge[] }
  | { client: 'dehydrated'; event: string; action: 'ignore' };

/**
 * dehydrated hook events are snake_case (`deploy_challenge`, `startup_hook`, …, and the probe
 * `this_hookscript_is_broken__dehydrated_is_working_fine__please_ignore_unknown_hooks_in_your_script`
 * dehydrated sends to check that unknown events are ignored). No command of ours has "_".
 */
const DEHYDRATED_EVENT = /^[a-z][a-z0-9]*(?:_+[a-z0-9]+)+$/;

/** A dehydrated hook event name (`deploy_challenge`, `clean_challenge`, `startup_hook`, …). */
export function isDehydratedEvent(word: string): boolean {
  return DEHYDRATED_EVENT.test(word);
}

/**
 * Recognises a client's call in the raw argv; undefined when it is a normal command line.
 * Throws UsageError for a recognised form with bad arguments.
 */
export function parseClientCall(argv: readonly string[]): ClientCall | undefined {
  const [first, ...rest] = argv;
  if (first === undefined || isHelp(rest[0])) return undefined;
  // `dehydrated deploy_challenge --help`, `lego present --help`: help, not a call.
  if ((first === 'dehydrated' || first === 'lego') && isHelp(rest[1])) return undefined;
  if (first === 'present') return legoCall('present', rest);
  // `cleanup` with positional arguments is lego's; certbot's cleanup takes none.
  if (first === 'cleanup' && rest.length > 0 && !rest[0]!.startsWith('-')) return legoCall('cleanup', rest);
  if (first === 'lego' && (rest[0] === 'present' || rest[0] === 'cleanup')) return legoCall(rest[0], rest.slice(1));
  if (first === 'dehydrated' && rest.length > 0 && !rest[0]!.startsWith('-')) return dehydratedCall(rest[0]!, rest.slice(1));
  if (DEHYDRATED_EVENT.test(first)) return dehydratedCall(first, rest);
  return undefined;
}

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h';
}

function legoCall(action: 'present' | 'cleanup', args: readonly string[]): ClientCall {
  if (args.length !== 2) {
    throw new UsageError(`lego ${action}: expected <fqdn> <value>, got ${args.length} argument(s)`,
      'set EXEC_PATH to this program and leave EXEC_MODE unset (RAW mode is not supported)');
  }
  return { client: 'lego', action, challenge: { domain: domainOfFqdn(args[0]!), value: args[1]! } };
}

/** `_acme-challenge.www.example.com.` -> `www.example.com`. */
export function domainOfFqdn(fqdn: string): string {
  const name = fqdn.trim().toLowerCase().replace(/\.$/, '');
  const prefix = `${CHALLENGE_LABEL}.`;
  if (!name.startsWith(prefix) || name.length === prefix.length) {
    throw new UsageError(`lego: "${fqdn}" is not an ${CHALLENGE_LABEL} name`,
      'lego followed a CNAME to a name of another form; set LEGO_DISABLE_CNAME_SUPPORT=true and acme-godaddy follows the CNAME itself');
  }
  return name.slice(prefix.length);
}

function dehydratedCall(event: string, args: readonly string[]): ClientCall {
  if (event !== 'deploy_challenge' && event !== 'clean_challenge') return { client: 'dehydrated', event, action: 'ignore' };
  if (args.length === 0 || args.length % 3 !== 0) {
    throw new UsageError(`dehydrated ${event}: expected <domain> <token-file> <value> triples, got ${args.length} argument(s)`,
      'set CHALLENGETYPE=dns-01 and HOOK to this program in the dehydrated config');
  }
  const challenges: ClientChallenge[] = [];
  for (let i = 0; i < args.length; i += 3) challenges.push({ domain: args[i]!, value: args[i + 2]! });
  return { client: 'dehydrated', event, action: event === 'deploy_challenge' ? 'deploy' : 'clean', challenges };
}
