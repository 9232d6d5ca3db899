/**
 * Every failure the user can see is a HookError: one line of message, an optional one-line hint,
 * a stable code and a documented exit code. Messages never contain credentials: the client builds
 * them from GoDaddy's `code`/`message`/`fields`, never from request headers.
 */

/** Exit codes, sysexits(3) style. Documented in the README; changing one is a breaking change. */
export const ExitCode = {
  OK: 0,
  /** Bad subcommand, flag, or missing CERTBOT_* variable. */
  USAGE: 64,
  /** Bad input data: no zone found for the name, a malformed DNS answer. */
  DATA: 65,
  /** GoDaddy answered with an error, or could not be reached. */
  UNAVAILABLE: 69,
  /** A bug. */
  INTERNAL: 70,
  /** The state directory or ledger cannot be used. */
  STATE: 74,
  /** Try again later: propagation timeout, lock wait timeout, rate limit, interrupted. */
  TEMPFAIL: 75,
  /** GoDaddy refused the credentials (401) or the access (403). */
  NOPERM: 77,
  /** Configuration is missing or invalid. */
  CONFIG: 78,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class HookError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HookError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

export class UsageError extends HookError {
  constructor(message: string, hint?: string) {
    super('USAGE', ExitCode.USAGE, message, hint === undefined ? {} : { hint });
  }
}

export class ConfigError extends HookError {
  constructor(message: string, hint?: string) {
    super('CONFIG', ExitCode.CONFIG, message, hint === undefined ? {} : { hint });
  }
}

export class StateError extends HookError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('STATE', ExitCode.STATE, message, options);
  }
}

export class DnsError extends HookError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('DNS', ExitCode.DATA, message, options);
  }
}

export class ZoneNotFoundError extends HookError {
  constructor(message: string, hint?: string) {
    super('ZONE_NOT_FOUND', ExitCode.DATA, message, hint === undefined ? {} : { hint });
  }
}

export class PropagationTimeoutError extends HookError {
  constructor(message: string, hint?: string) {
    super('PROPAGATION_TIMEOUT', ExitCode.TEMPFAIL, message, hint === undefined ? {} : { hint });
  }
}

export class LockTimeoutError extends HookError {
  constructor(message: string, hint?: string) {
    super('LOCK_TIMEOUT', ExitCode.TEMPFAIL, message, hint === undefined ? {} : { hint });
  }
}

export class InterruptedError extends HookError {
  constructor(signal: string) {
    super('INTERRUPTED', ExitCode.TEMPFAIL, `interrupted by ${signal}`, {
      hint: 'the ledger is consistent; the client\'s cleanup, or `acme-godaddy reconcile` once this run is over, removes what it left behind',
    });
  }
}

/** Renders an error as the single stderr line the user sees (plus the hint on the same line). */
export function toUserLine(err: unknown): string {
  if (err instanceof HookError) {
    return `acme-godaddy: ${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}`;
  }
  const detail = err instanceof Error ? err.message : String(err);
  return `acme-godaddy: unexpected error (this is a bug): ${oneLine(detail)} (hint: rerun with --debug for a stack trace)`;
}

export function exitCodeOf(err: unknown): ExitCodeValue {
  return err instanceof HookError ? err.exitCode : ExitCode.INTERNAL;
}

export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
