import { Agent, request } from 'undici';
import { ExitCode, HookError, InterruptedError, oneLine } from '../errors.js';
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

/** A non-2xx answer from GoDaddy, with GoDaddy's own code and message (never our credentials). */
export class GoDaddyApiError extends HookError {
  constructor(
    readonly status: number,
    readonly apiCode: string | undefined,
    readonly apiMessage: string | undefined,
    readonly fields: readonly ErrorField[],
    readonly operation: string,
    readonly retryAfterMs: number | undefined,
  ) {
    const detail = [apiCode, apiMessage].filter(Boolean).join(': ');
    const fieldText = fields.length > 0
      ? ` [${fields.map((f) => [f.path, f.code, f.message].filter(Boolean).join(' ')).join('; ')}]` : '';
    const { exitCode, hint } = classify(status, apiCode);
    super(`GODADDY_${status}`, exitCode,
      `GoDaddy ${operation} failed: HTTP ${status}${detail ? ` ${oneLine(detail, 200)}` : ''}${oneLine(fieldText, 300)}`,
      hint === undefined ? {} : { hint });
  }
}

function classify(status: number, apiCode: string | undefined): { exitCode: (typeof ExitCode)[keyof typeof ExitCode]; hint?: string } {
  if (status === 401) {
    return { exitCode: ExitCode.NOPERM,
      hint: 'check GODADDY_API_KEY/GODADDY_API_SECRET; production and OTE keys are different' };
  }
  if (status === 403) {
    return { exitCode: ExitCode.NOPERM,
      hint: 'GoDaddy limits API access to accounts that meet its eligibility rules (since 2024), or the key lacks rights to this domain; a CNAME from _acme-challenge to a zone you can edit avoids the restriction' };
  }
  if (status === 404 && apiCode === 'UNKNOWN_DOMAIN') {
    return { exitCode: ExitCode.DATA, hint: 'the zone is not in this GoDaddy account or GoDaddy does not host its DNS' };
  }
  if (status === 429) return { exitCode: ExitCode.TEMPFAIL, hint: 'GoDaddy allows 60 requests per minute per endpoint; try again later' };
  if (status >= 500 || status === 409) return { exitCode: ExitCode.UNAVAILABLE, hint: 'GoDaddy is having trouble; try again later' };
  return { exitCode: ExitCode.UNAVAILABLE };
}

export class NetworkError extends HookError {
  constructor(host: string, operation: string, reason: string) {
    super('NETWORK', ExitCode.UNAVAILABLE, `cannot reach ${host} for GoDaddy ${operation}: ${reason}`,
      { hint: 'check network access to the GoDaddy API and GODADDY_API_URL' });
  }
}

export interface ClientOptions {
  baseUrl: URL;
  key: Secret;
  secret: Secret;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Attempts for 429/409/5xx/network failures (1 = no retry). */
  attempts?: number;
  /** Upper bound for one backoff wait. */
  maxBackoffMs?: number;
  onRequest?: (method: string, path: string, status: number | 'error', ms: number) => void;
}

/**
 * GoDaddy Domains API v1, per-name TXT endpoints only
 * (https://developer.godaddy.com/doc/endpoint/domains).
 */
export class GoDaddyClient implements TxtApi {
  private readonly dispatcher: Agent;

  constructor(private readonly options: ClientOptions) {
    this.dispatcher = new Agent({
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 10_000,
    });
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
    await this.call('PUT', zone, name, JSON.stringify(body), 'write of TXT records');
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
    what: string): Promise<string> {
    const path = this.path(zone, name);
    const operation = `${what} ${name} in ${zone}`;
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      if (this.options.signal?.aborted) throw new InterruptedError(String(this.options.signal.reason ?? 'a signal'));
      let failure: GoDaddyApiError | NetworkError;
      try {
        return await this.once(method, path, body, operation);
      } catch (err) {
        if (!(err instanceof GoDaddyApiError || err instanceof NetworkError)) throw err;
        failure = err;
      }
      const retryable = failure instanceof NetworkError
        || failure.status === 429 || failure.status === 409 || failure.status >= 500;
      // A PUT that timed out may or may not have landed; retrying it is safe because it is idempotent.
      if (!retryable || attempt >= attempts) throw failure;
      await this.backoff(attempt, failure instanceof GoDaddyApiError ? failure.retryAfterMs : undefined);
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | undefined): Promise<void> {
    const max = this.options.maxBackoffMs ?? 60_000;
    const base = retryAfterMs ?? Math.min(max, 500 * 2 ** (attempt - 1));
    const wait = Math.min(max, base + Math.random() * Math.min(1000, base / 2));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, wait);
      this.options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new InterruptedError(String(this.options.signal?.reason ?? 'a signal')));
      }, { once: true });
    });
  }

  private async once(method: string, path: string, body: string | undefined, operation: string): Promise<string> {
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
      throw new NetworkError(url.host, operation, describeNetworkError(err));
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (err) {
      this.options.onRequest?.(method, path, 'error', Date.now() - started);
      throw new NetworkError(url.host, operation, describeNetworkError(err));
    }
    this.options.onRequest?.(method, path, response.statusCode, Date.now() - started);
    if (response.statusCode >= 200 && response.statusCode < 300) return text;
    throw apiError(response.statusCode, text, response.headers['retry-after'], `${operation}`);
  }
}

function apiError(status: number, text: string, retryAfterHeader: string | string[] | undefined,
  operation: string): GoDaddyApiError {
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
  const headerSeconds = Number(Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader);
  const bodySeconds = typeof parsed.retryAfterSec === 'number' ? parsed.retryAfterSec : NaN;
  const seconds = Math.max(Number.isFinite(headerSeconds) ? headerSeconds : -1, Number.isFinite(bodySeconds) ? bodySeconds : -1);
  return new GoDaddyApiError(status,
    typeof parsed.code === 'string' ? parsed.code : undefined,
    typeof parsed.message === 'string' ? parsed.message : undefined,
    fields, operation, seconds >= 0 ? seconds * 1000 : undefined);
}

function parseRecords(text: string, what: string): TxtRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a body that is not JSON`);
  }
  if (!Array.isArray(value)) {
    throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned something other than a list of records`);
  }
  return value.map((item, index) => {
    const r = item as { data?: unknown; ttl?: unknown; type?: unknown };
    if (!r || typeof r !== 'object' || typeof r.data !== 'string') {
      throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a record without text data (item ${index})`);
    }
    if (r.type !== undefined && r.type !== 'TXT') {
      throw new HookError('GODADDY_BAD_RESPONSE', ExitCode.UNAVAILABLE, `GoDaddy ${what} returned a ${String(r.type)} record`);
    }
    return { data: r.data, ttl: typeof r.ttl === 'number' && Number.isFinite(r.ttl) ? r.ttl : 3600 };
  });
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'
    || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  return oneLine(e.code ?? e.cause?.code ?? e.message ?? String(err), 120);
}
