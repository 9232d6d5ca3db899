// The simulated GoDaddy v1 API on node:http. Pipeline per request, in the order a client can
// observe: injected fault, authentication (S2, before anything else), X-Shopper-Id, route,
// rate limit (S6), the 2024 access restriction, then the endpoint. Every response carries
// X-Request-Id and GoDaddy's no-cache headers (S5) and is recorded in the request log.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getDomain, listDomains } from './api-domains.js';
import { type ApiReply, accessDenied, malformedCredentials, reply, routeNotFound, unauthenticated } from './api-errors.js';
import type { FaultQueue, RateLimiter } from './api-limits.js';
import { type ApiContext, type RequestBody, handleRecords } from './api-records.js';
import { type RouteMatch, matchRoute } from './api-routes.js';
import { godaddyJson } from './json.js';
import { type Rng, randomHex } from './rng.js';
import type { SimAccount, SimRequest } from './types.js';

export interface ApiDeps {
  readonly ctx: ApiContext;
  /** Accounts with their shopper ids filled in. */
  readonly accounts: readonly Required<SimAccount>[];
  readonly faults: FaultQueue;
  readonly limiter: RateLimiter;
  /** Added latency for the next response, in ms. */
  readonly latencyMs: () => number;
  readonly requestIdRng: Rng;
  readonly record: (request: SimRequest) => void;
}

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startApi(deps: ApiDeps, host: string, port: number): Promise<ApiServer> {
  const closing = new AbortController();
  const server = createServer((req, res) => {
    serve(deps, req, res, closing.signal).catch(() => {
      // Only reachable when close() aborted a delay, or on a simulator bug: never print.
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => closeServer(server, closing),
  };
}

function closeServer(server: Server, closing: AbortController): Promise<void> {
  closing.abort();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function serve(deps: ApiDeps, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const raw = await readBody(req);
  const body = parseBody(raw);
  const route = matchRoute(method, url.pathname);
  const entry: SimRequest = {
    at: deps.ctx.now(),
    method,
    path: url.pathname,
    query: url.search,
    route: route?.template ?? null,
    status: 0,
    requestId: randomHex(deps.requestIdRng, 16),
  };
  if (body.kind === 'json') entry.body = body.value;
  else if (raw.length > 0) entry.body = raw;

  let result: ApiReply;
  const fault = deps.faults.take(method, url.pathname);
  if (fault) {
    entry.fault = true;
    if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal });
    if (fault.drop) {
      req.socket.destroy();
      deps.record(entry);
      return;
    }
  }
  if (fault?.status !== undefined) {
    result = { status: fault.status, body: fault.body, ...(fault.headers ? { headers: fault.headers } : {}) };
  } else {
    if (fault) delete entry.fault; // a pure delay: the request then runs normally
    result = handle(deps, req, route, url.searchParams, body, entry);
  }
  const latency = deps.latencyMs();
  if (latency > 0) await sleep(latency, undefined, { signal });
  send(res, result, entry.requestId, deps.ctx.now());
  entry.status = result.status;
  deps.record(entry);
}

function handle(deps: ApiDeps, req: IncomingMessage, route: RouteMatch | undefined, query: URLSearchParams, body: RequestBody, entry: SimRequest): ApiReply {
  const account = authenticate(deps.accounts, req.headers.authorization);
  if (account === 'malformed' && deps.ctx.switches.malformedAuth === '400') return malformedCredentials();
  if (!account || account === 'malformed') return unauthenticated();
  entry.key = account.key;
  const shopper = req.headers['x-shopper-id'];
  if (typeof shopper === 'string' && shopper !== account.shopperId) return accessDenied();
  if (!route) return routeNotFound();

  const { switches } = deps.ctx;
  const verdict = deps.limiter.check(`${account.key} ${route.template}`, switches.rateLimitMode);
  if (verdict.limited) return tooManyRequests(verdict.retryAfterSec, deps);
  if (account.restricted && isRestricted(route, switches.restrictedSet)) return accessDenied();

  switch (route.id) {
    case 'domains.list':
      return listDomains(deps.ctx.store, account.key, query);
    case 'domains.get':
      return getDomain(deps.ctx.store, account.key, route.domain);
    default:
      return handleRecords(deps.ctx, route, account.key, query, body);
  }
}

/** `Authorization: sso-key KEY:SECRET`, exactly one space, no spaces around the colon. */
function authenticate(accounts: ApiDeps['accounts'], header: string | undefined): Required<SimAccount> | 'malformed' | undefined {
  const match = /^sso-key ([^\s:]+):(\S+)$/.exec(header ?? '');
  if (!match) return 'malformed';
  return accounts.find((a) => a.key === match[1] && a.secret === match[2]);
}

/**
 * The 2024 restriction as reported (lego #2269, acme.sh #6517): whole-zone and whole-type
 * calls and domain lookups are denied, per-name calls on `_acme-challenge*` TXT still work.
 */
function isRestricted(route: RouteMatch, set: 'default' | 'all'): boolean {
  if (set === 'all') return true;
  const perName = route.id === 'records.getTypeName' || route.id === 'records.replaceTypeName' || route.id === 'records.deleteTypeName';
  return !(perName && route.type === 'TXT' && route.name.toLowerCase().startsWith('_acme-challenge'));
}

function tooManyRequests(retryAfterSec: number, deps: ApiDeps): ApiReply {
  const { switches } = deps.ctx;
  if (switches.rateLimitMode === 'quota') {
    // external-dns #4864: a per-endpoint 429 with no Retry-After; body code from EXTDNS's mock.
    return reply(429, { code: 'QUOTA_EXCEEDED', message: 'rate limit exceeded' });
  }
  return {
    status: 429,
    body: {
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many requests received within interval',
      ...(switches.retryAfterBody ? { retryAfterSec } : {}),
    },
    ...(switches.retryAfterHeader ? { headers: { 'Retry-After': String(retryAfterSec) } } : {}),
  };
}

function send(res: ServerResponse, result: ApiReply, requestId: string, now: number): void {
  const headers: Record<string, string> = {
    'Cache-Control': 'max-age=0, no-cache, no-store',
    Pragma: 'no-cache',
    Expires: new Date(now).toUTCString(),
    'X-Request-Id': requestId,
    'X-DataCenter': 'US_EAST_1',
  };
  let text = '';
  if (result.body !== undefined) {
    text = typeof result.body === 'string' ? result.body : godaddyJson(result.body);
    headers['Content-Type'] = 'application/json';
  }
  // 204 must not carry a length; PUT/PATCH 200s say Content-Length: 0 like the real API.
  if (result.status !== 204) headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(result.status, { ...headers, ...result.headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): RequestBody {
  if (raw.trim() === '') return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(raw) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}
