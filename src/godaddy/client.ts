import { Agent, request } from 'undici';
import { ConfigError, ExitCode, HookError, InterruptedError, oneLine, type ExitCodeValue } from '../errors.js';
import { NO_PACING, sleep, type Pacer } from './pacer.js';
import { isLoopbackHost } from '../config.js';
import type { Secret } from '../secret.js';

/** A TXT record as GoDaddy stores it (wire shape of DNSRecord, TXT subset). */
export interface TxtRecord {
  data: string;
  ttl: number;
}

/** The per-name TXT operations the hooks use; nothing zone-wide or type-wide, by design. */
export interface TxtApi {
  getTxt(zone: string, name: string): Promise<TxtRecord[]>;
  putTxt(zone: string, name: string, records: readonly TxtRecord[]): Promise<void>;
  deleteTxt(zone: string, name: string): Promise<void>;
}

export interface ErrorField {
  path?: string;
  code?: string;
  message?: string;
}

/** Per-name TXT endpoints as GoDaddy counts them for its rate limit: method + route template. */
export const TXT_ROUTE = '/v1/domains/{domain}/records/{type}/{name}';

/**
 * The retry policy, in numbers (README "GoDaddy API behaviour"):
 * - 429: wait what GoDaddy says (the larger of `Retry-After` and `retryAfterSec`; 60 s when it says
 *   neither) plus a jitter of up to 25 % of that (at most 1 s), never less; no request to that
 *   endpoint from any process before then; at most 3 retries; a requested wait over 120 s fails at
 *   once.
 * - Zone busy (409 with any code but INACTIVE_DOMAIN, or 422 "Resource is being used in another
 *   request"), 5xx, timeouts, connection errors: at most 3 retries after 1 s, 2 s, 4 s (each times 1
 *   to 1.5, capped at 8 s).
 * - Every other status (400, 401, 403, 404, 409 INACTIVE_DOMAIN, other 422 …): no retry.
 */
export interface RetryPolicy {
  rateLimitRetries: number;
  defaultRetryAfterMs: number;
  maxRetryAfterMs: number;
  transientRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  rateLimitRetries: 3,
  defaultRetryAfterMs: 60_000,
  maxRetryAfterMs: 120_000,
  transientRetries: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
});

/** How a failed request ended after retries, appended to the message. */
export interface AttemptInfo {
  attempts: number;
  elapsedMs: number;
}

/** A non-2xx answer from GoDaddy, with GoDaddy's own code and message (never our credentials). */
export class GoDaddyApiError extends HookError {
  constructor(
    readonly status: number,
    readonly apiCode: string | undefined,
    readonly apiMessage: string | undefined,
    readonly fields: readonly ErrorField[],
    readonly operation: string,
    readonly retryAfterMs: number | undefined,
    readonly context: { sent?: readonly TxtRecord[]; attempts?: AttemptInfo; host?: string } = {},
  ) {
    const detail = [apiCode, apiMessage].filter(Boolean).join(': ');
    const fieldText = fields.length > 0 ? `[${fields.map((f) => describeField(f, context.sent)).join('; ')}]` : '';
    const { exitCode, hint } = classify(status, apiCode, context.host, apiMessage);
    super(`GODADDY_${status}`, exitCode,
      `GoDaddy ${operation} failed: HTTP ${status}${detail ? ` ${oneLine(detail, 200)}` : ''}${fieldText ? ` ${oneLine(fieldText, 400)}` : ''}${suffix(status === 429 ? retryAfterMs : undefined, context.attempts)}`,
      hint === undefined ? {} : { hint });
  }

  /** The same error, saying how many attempts it took. */
  withAttempts(attempts: AttemptInfo): GoDaddyApiError {
    return new GoDaddyApiError(this.status, this.apiCode, this.apiMessage, this.fields, this.operation, this.retryAfterMs,
      { ...this.context, attempts });
  }
}

/** ` (GoDaddy says retry after 2 s; gave up after 4 attempts in 7 s)`, or the parts that apply. */
function suffix(retryAfterMs: number | undefined, a: AttemptInfo | undefined): string {
  const parts = [
    retryAfterMs === undefined ? '' : `GoDaddy says retry after ${Math.ceil(retryAfterMs / 1000)} s`,
    a && a.attempts > 1 ? `gave up after ${a.attempts} attempts in ${(a.elapsedMs / 1000).toFixed(a.elapsedMs < 10_000 ? 1 : 0)} s` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** `records[1].ttl UNKNOWN_RESTRICTION: must have a minimum value of 600 (value "abc…", ttl 300)`. */
function describeField(f: ErrorField, sent: readonly TxtRecord[] | undefined): string {
  const head = [f.path, f.code].filter(Boolean).join(' ');
  let text = f.message ? `${head}: ${f.message}` : head;
  const index = /^records\[(\d+)\]/.exec(f.path ?? '')?.[1];
  const record = index === undefined ? undefined : sent?.[Number(index)];
  if (record) {
    const shown = record.data.length > 24 ? `${record.data.slice(0, 20)}…` : record.data;
    text += ` (value ${JSON.stringify(shown)}, ${record.data.length} characters, ttl ${record.ttl})`;
  }
  return text;
}

/**
 * "Zone busy": a 409 without INACTIVE_DOMAIN, or (a third-party report, [unverified]) a 422
 * "Resource is being used in another request". Both are retried like a 5xx.
 */
export function isBusy(status: number, apiMessage: string | undefined, apiCode?: string): boolean {
  return (status === 409 && apiCode !== 'INACTIVE_DOMAIN')
    || (status === 422 && /being used in another request/i.test(apiMessage ?? ''));
}

function classify(status: number, apiCode: string | undefined, host: string | undefined, apiMessage?: string): { exitCode: ExitCodeValue; hint?: string } {
  if (status === 401) {
    return { exitCode: ExitCode.NOPERM,
      hint: 'check GODADDY_API_KEY/GODADDY_API_SECRET; production and OTE keys are different' };
  }
  if (status === 403) {
    return { exitCode: ExitCode.NOPERM,
      hint: 'since 2024 GoDaddy opens its DNS API only to accounts that meet its eligibility rules (a minimum number of domains or a Discount Domain Club plan), or the key has no rights to this domain; ask GoDaddy support, or CNAME _acme-challenge to a zone at a DNS host you can edit' };
  }
  if (status === 404 && apiCode === 'UNKNOWN_DOMAIN') {
    return { exitCode: ExitCode.DATA,
      hint: `the zone is not in the account of this API key${host ? ` at ${host}` : ''}, or GoDaddy does not host its DNS; check which GoDaddy account holds the domain and where its nameservers point` };
  }
  if (status === 409 && apiCode === 'INACTIVE_DOMAIN') {
    return { exitCode: ExitCode.UNAVAILABLE,
      hint: 'GoDaddy does not allow record changes on this domain (locked, protected or not active); check the domain\'s status in the GoDaddy account' };
  }
  if (isBusy(status, apiMessage)) return { exitCode: ExitCode.UNAVAILABLE, hint: 'GoDaddy says the zone is busy with another request; try again later' };
  if (status === 422) {
    return { exitCode: ExitCode.UNAVAILABLE,
      hint: 'GoDaddy refused the data in the request (details in brackets); a PUT re-sends every value already at the name, so a value left by another tool that GoDaddy no longer accepts must be fixed in its DNS manager' };
  }
  if (status === 429) {
    return { exitCode: ExitCode.TEMPFAIL,
      hint: apiCode === 'QUOTA_EXCEEDED'
        ? 'GoDaddy says the API quota of this key is used up; it resets later; try again later'
        : 'GoDaddy allows 60 requests per minute per endpoint; acme-godaddy waited as told and gave up; try again later' };
  }
  if (status >= 500) return { exitCode: ExitCode.UNAVAILABLE, hint: 'GoDaddy is having trouble; try again later' };
  if (status === 404) return { exitCode: ExitCode.UNAVAILABLE, hint: WRONG_URL_HINT };
  return { exitCode: ExitCode.UNAVAILABLE,
    hint: 'an answer GoDaddy does not give to the requests acme-godaddy sends; check GODADDY_API_URL, rerun with --verbose, and report it if it persists' };
}

/** For answers GoDaddy's API would not give to these requests: often a URL that is not the API's. */
const WRONG_URL_HINT = 'GODADDY_API_URL must be the API host only (https://api.godaddy.com, or https://api.ote-godaddy.com for OTE), without /v1; a proxy in between can also answer like this';

export class NetworkError extends HookError {
  constructor(readonly host: string, readonly operation: string, readonly reason: string, attempts?: AttemptInfo) {
    super('NETWORK', ExitCode.UNAVAILABLE, `cannot reach ${host} for GoDaddy ${operation}: ${reason}${suffix(undefined, attempts)}`,
      { hint: 'check network access to the GoDaddy API (proxy, firewall, DNS) and GODADDY_API_URL' });
  }

  withAttempts(attempts: AttemptInfo): NetworkError {
    return new NetworkError(this.host, this.operation, this.reason, attempts);
  }
}

/**
 * The TLS handshake failed because the server does not speak TLS (typically plain HTTP on the port
 * of an https:// GODADDY_API_URL). Not retried: the same server answers the same way every time.
 */
export class NotTlsError extends HookError {
  constructor(readonly url: URL, readonly operation: string, readonly tlsCode: string) {
    const plainOk = isLoopbackHost(url.hostname);
    super('NETWORK', ExitCode.UNAVAILABLE,
      `GoDaddy ${operation} failed: the server at ${url.host} did not answer with TLS (${tlsCode})`,
      { hint: plainOk
        ? `GODADDY_API_URL says https:// but ${url.host} speaks something else, probably plain HTTP; for a plain-HTTP server on loopback (such as the simulator) write http://${url.host}`
        : `GODADDY_API_URL says https:// but ${url.host} speaks something else, probably plain HTTP (a wrong port, or a proxy in between); GoDaddy's API is https://api.godaddy.com (https://api.ote-godaddy.com for OTE)` });
  }
}

/** OpenSSL's verdicts on a first answer that is not a TLS record at all. */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL']);

function notTlsCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return code !== undefined && NOT_TLS_CODES.has(code) ? code : undefined;
}

export interface ClientOptions {
  baseUrl: URL;
  key: Secret;
  secret: Secret;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Overrides of {@link DEFAULT_RETRY_POLICY} (tests use small numbers). */
  retry?: Partial<RetryPolicy>;
  /** Shared request budget; default: none (a single request never waits). */
  pacer?: Pacer;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  onRequest?: (method: string, path: string, status: number | 'error', ms: number) => void;
  /** Verbose diagnostics: waits and retries. */
  log?: (message: string) => void;
}

/**
 * GoDaddy Domains API v1, per-name TXT endpoints only
 * (https://developer.godaddy.com/doc/endpoint/domains).
 */
export class GoDaddyClient implements TxtApi {
  private readonly dispatcher: Agent;
  private readonly policy: RetryPolicy;
  private readonly pacer: Pacer;
  private readonly random: () => number;

  constructor(private readonly options: ClientOptions) {
    assertHeaderSafe(options.key, options.secret);
    this.dispatcher = new Agent({
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 10_000,
    });
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.pacer = options.pacer ?? NO_PACING;
    this.random = options.random ?? Math.random;
  }

  /** GET /v1/domains/{domain}/records/TXT/{name}: `[]` when the name has no TXT records. */
  async getTxt(zone: string, name: string): Promise<TxtRecord[]> {
    const body = await this.call('GET', zone, name, undefined, 'read of TXT records');
    return parseRecords(body, `GET ${this.path(zone, name)}`);
  }

  /** PUT /v1/domains/{domain}/records/TXT/{name}: replaces the whole RRset. Never called with []. */
  async putTxt(zone: string, name: string, records: readonly TxtRecord[]): Promise<void> {
    if (records.length === 0) throw new Error('putTxt with an empty RRset (use deleteTxt)');
    const body = records.map((r) => ({ data: r.data, name, ttl: r.ttl, type: 'TXT' }));
    await this.call('PUT', zone, name, JSON.stringify(body), 'write of TXT records', records);
  }

  /** DELETE /v1/domains/{domain}/records/TXT/{name}: removes every TXT value at the name. */
  async deleteTxt(zone: string, name: string): Promise<void> {
    await this.call('DELETE', zone, name, undefined, 'delete of TXT records');
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private path(zone: string, name: string): string {
    return `${this.options.baseUrl.pathname.replace(/\/+$/, "")}/v1/domains/${encodeURIComponent(zone)}/records/TXT/${encodeURIComponent(name)}`;
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', zone: string, name: string, body: string | undefined,
    what: string, sent?: readonly TxtRecord[]): Promise<string> {
    const path = this.path(zone, name);
    const endpoint = `${method} ${TXT_ROUTE}`;
    const operation = `${what} ${name} in ${zone}`;
    const { signal } = this.options;
    const policy = this.policy;
    const started = Date.now();
    let limited = 0;
    let transient = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? 'a signal'));
      const waited = await this.pacer.acquire(endpoint, signal);
      if (waited > 0) this.options.log?.(`waited ${waited} ms for the request budget of ${endpoint}`);
      let failure: GoDaddyApiError | NetworkError;
      try {
        return await this.once(method, path, body, operation, sent);
      } catch (err) {
        if (!(err instanceof GoDaddyApiError || err instanceof NetworkError)) throw err;
        failure = err;
      }
      const giveUp = (): HookError => failure.withAttempts({ attempts: attempt, elapsedMs: Date.now() - started });
      if (failure instanceof GoDaddyApiError && failure.status === 429) {
        const told = failure.retryAfterMs ?? policy.defaultRetryAfterMs;
        const jitter = this.random() * Math.min(1000, told / 4);
        // Every process honours it: the budget file gets the time before which GoDaddy wants nothing.
        await this.pacer.hold(endpoint, Date.now() + told + jitter);
        if (told > policy.maxRetryAfterMs || limited >= policy.rateLimitRetries) throw giveUp();
        limited++;
        this.options.log?.(`${method} ${path}: HTTP 429, GoDaddy says retry after ${Math.round(told / 1000)} s${failure.retryAfterMs === undefined ? ' (no Retry-After: default)' : ''}`);
        if (this.pacer === NO_PACING) await sleep(told + jitter, signal);
        continue;
      }
      const retryable = failure instanceof NetworkError
        || isBusy(failure.status, failure.apiMessage, failure.apiCode) || failure.status >= 500;
      // A PUT or DELETE that timed out may or may not have landed; both are idempotent, so retry.
      if (!retryable || transient >= policy.transientRetries) throw giveUp();
      transient++;
      const delay = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (transient - 1) * (1 + this.random() / 2));
      this.options.log?.(`${method} ${path}: ${failure instanceof NetworkError ? failure.reason : `HTTP ${failure.status}`}; retry ${transient} in ${Math.round(delay)} ms`);
      await sleep(delay, signal);
    }
  }

  private async once(method: string, path: string, body: string | undefined, operation: string,
    sent: readonly TxtRecord[] | undefined): Promise<string> {
    const url = new URL(path, this.options.baseUrl);
    const started = Date.now();
    let response;
    try {
      response = await request(url, {
        method: method as 'GET',
        dispatcher: this.dispatcher,
        headers: {
          authorization: `sso-key ${this.options.key.reveal()}:${this.options.secret.reveal()}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      this.options.onRequest?.(method, path, 'error', Date.now() - started);
      const notTls = notTlsCode(err);
      if (notTls) throw new NotTlsError(url, operation, notTls);
      throw new NetworkError(url.host, operation, describeNetworkError(err, this.options.timeoutMs));
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (err) {
      this.options.onRequest?.(method, path, 'error', Date.now() - started);
      throw new NetworkError(url.host, operation, describeNetworkError(err, this.options.timeoutMs));
    }
    this.options.onRequest?.(method, path, response.statusCode, Date.now() - started);
    if (response.statusCode >= 200 && response.statusCode < 300) return text;
    throw apiError(response.statusCode, text, response.headers['retry-after'], operation,
      { ...(sent ? { sent } : {}), host: url.host });
  }
}

/**
 * GoDaddy reads `Authorization: sso-key KEY:SECRET`; a key with a colon or whitespace, or a secret
 * with whitespace, cannot be sent so that GoDaddy reads it back (what it answers then is
 * [unverified]: the simulator's `malformedAuth` switch). No real key or secret has them: refuse
 * before sending anything, naming the variable, never the value.
 */
function assertHeaderSafe(key: Secret, secret: Secret): void {
  const problems = [
    /[\s:\x00-\x1f\x7f]/.test(key.reveal()) ? 'GODADDY_API_KEY contains a space, a colon or a control character' : '',
    /[\s\x00-\x1f\x7f]/.test(secret.reveal()) ? 'GODADDY_API_SECRET contains a space or a control character' : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}; GoDaddy keys and secrets never do`,
      'set the value alone, as developer.godaddy.com/keys shows it (nothing copied along with it)');
  }
}

/** Seconds from a `Retry-After` header: delta-seconds or an HTTP date. */
export function retryAfterHeaderMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function apiError(status: number, text: string, retryAfterHeader: string | string[] | undefined,
  operation: string, context: GoDaddyApiError['context']): GoDaddyApiError {
  let parsed: { code?: unknown; message?: unknown; fields?: unknown; retryAfterSec?: unknown } = {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') parsed = value as typeof parsed;
  } catch {
    // not JSON: keep the status only
  }
  const fields = Array.isArray(parsed.fields)
    ? parsed.fields.filter((f): f is ErrorField => !!f && typeof f === 'object').map((f) => ({
      path: typeof f.path === 'string' ? f.path : undefined,
      code: typeof f.code === 'string' ? f.code : undefined,
      message: typeof f.message === 'string' ? f.message : undefined,
    }) as ErrorField)
    : [];
  const headerMs = retryAfterHeaderMs(retryAfterHeader);
  const bodyMs = typeof parsed.retryAfterSec === 'number' && Number.isFinite(parsed.retryAfterSec) && parsed.retryAfterSec >= 0
    ? parsed.retryAfterSec * 1000 : undefined;
  const retryAfterMs = headerMs === undefined && bodyMs === undefined ? undefined : Math.max(headerMs ?? 0, bodyMs ?? 0);
  return new GoDaddyApiError(status,
    typeof parsed.code === 'string' && parsed.code !== '' ? parsed.code : undefined,
    typeof parsed.message === 'string' ? parsed.message : undefined,
    fields, operation, retryAfterMs, context);
}

function parseRecords(text: string, what: string): TxtRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a body that is not JSON`, { hint: WRONG_URL_HINT });
  }
  if (!Array.isArray(value)) {
    throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned something other than a list of records`, { hint: WRONG_URL_HINT });
  }
  return value.map((item, index) => {
    const r = item as { data?: unknown; ttl?: unknown; type?: unknown };
    if (!r || typeof r !== 'object' || typeof r.data !== 'string') {
      throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a record without text data (item ${index})`, { hint: WRONG_URL_HINT });
    }
    if (r.type !== undefined && r.type !== 'TXT') {
      throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a record of type ${String(r.type)}, not TXT`, { hint: WRONG_URL_HINT });
    }
    return { data: r.data, ttl: typeof r.ttl === 'number' && Number.isFinite(r.ttl) ? r.ttl : 3600 };
  });
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
    || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return `no answer within ${Number((timeoutMs / 1000).toFixed(1))} s (ACME_GODADDY_HTTP_TIMEOUT)`;
  }
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'connection closed by the server before it answered',
    ENOTFOUND: 'host name not found in DNS',
    EAI_AGAIN: 'DNS lookup of the host failed (temporary)',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EPIPE: 'connection closed while sending',
    CERT_HAS_EXPIRED: 'TLS certificate has expired',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  return oneLine(code ?? e.cause?.message ?? e.message ?? String(err), 120);
}
