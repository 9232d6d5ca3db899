// Record endpoints (S3): GET with filtering and pagination, the three PUTs, PATCH and DELETE.
// Every write commits a new zone version in the shared store, which is what the simulated
// nameservers publish after their delays.

import {
  type ApiReply,
  DOMAIN_PATTERN,
  accessDenied,
  domainFormat,
  duplicateRecord,
  inactiveDomain,
  invalidBody,
  notJson,
  recordsNotFound,
  reply,
  unknownDomain,
  zoneBusy,
} from './api-errors.js';
import type { RouteMatch } from './api-routes.js';
import { type BodyKind, DELETE_TYPES, RECORD_TYPES, sameName, validateRecords } from './api-validate.js';
import type { Rng } from './rng.js';
import type { SimDomain, SimStore } from './store.js';
import type { SimRecord, SimSwitches } from './types.js';

/** What the API handlers need from the simulator. */
export interface ApiContext {
  readonly store: SimStore;
  readonly switches: SimSwitches;
  readonly now: () => number;
  readonly readLagMs: number;
  readonly busyAfterWriteMs: number;
  readonly readRng: Rng;
  /** Commit a new version of the domain's API zone (the store keeps history for the nameservers). */
  commit(domain: SimDomain, records: readonly SimRecord[]): void;
}

/** A request body: parsed JSON, or `invalid` when the bytes were not JSON. */
export type RequestBody = { kind: 'json'; value: unknown } | { kind: 'invalid' } | { kind: 'none' };

const MAX_LIMIT = 500;

export function handleRecords(ctx: ApiContext, route: RouteMatch, ownerKey: string, query: URLSearchParams, body: RequestBody): ApiReply {
  const zoneOrError = resolveZone(ctx, route, ownerKey);
  if (!('zone' in zoneOrError)) return zoneOrError;
  const domain = zoneOrError;
  switch (route.id) {
    case 'records.getZone':
    case 'records.getType':
    case 'records.getTypeName':
      return getRecords(ctx, domain, route, query);
    case 'records.deleteTypeName':
      return deleteRecords(ctx, domain, route);
    default:
      return writeRecords(ctx, domain, route, body);
  }
}

/** Path checks in schema order (domain, type, name), then ownership and zone existence. */
function resolveZone(ctx: ApiContext, route: RouteMatch, ownerKey: string): SimDomain | ApiReply {
  if (!DOMAIN_PATTERN.test(route.domain)) return domainFormat('path.domain');
  if (route.type !== '') {
    const allowed = route.id === 'records.deleteTypeName' ? DELETE_TYPES : RECORD_TYPES;
    if (!allowed.includes(route.type)) {
      return invalidBody([{ code: 'UNKNOWN_RESTRICTION', message: `must be one of: ${allowed.join(', ')}`, path: 'path.type' }]);
    }
  }
  if (route.name.endsWith('.') && ctx.switches.trailingDotName === 'reject') {
    return invalidBody([{ code: 'MISMATCH_FORMAT', message: 'does not conform to the record name format', path: 'path.name' }]);
  }
  const domain = ctx.store.get(route.domain);
  if (!domain) return unknownDomain();
  if (domain.ownerKey !== ownerKey) return ctx.switches.foreignDomain === '403' ? accessDenied() : unknownDomain();
  if (!domain.hasZone) return unknownDomain();
  return domain;
}

const TYPE_ORDER = ['A', 'AAAA', 'NS', 'CNAME', 'MX', 'SRV', 'CAA', 'TXT', 'SOA'];

function typeRank(type: string): number {
  const i = TYPE_ORDER.indexOf(type);
  return i < 0 ? TYPE_ORDER.length : i;
}

function getRecords(ctx: ApiContext, domain: SimDomain, route: RouteMatch, query: URLSearchParams): ApiReply {
  const view = domain.zone.readView(ctx.now(), ctx.readLagMs, ctx.readRng);
  const matching = view
    .filter((r) => route.type === '' || r.type === route.type)
    .filter((r) => route.name === '' || sameName(r.name, route.name, ctx.switches));
  // Real whole-zone listings come grouped by type, names sorted within a type; the RRset order
  // is the order it was written in (Array.prototype.sort is stable).
  matching.sort((a, b) => typeRank(a.type) - typeRank(b.type) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return paginate(matching, query, ctx.switches);
}

function paginate(records: SimRecord[], query: URLSearchParams, switches: SimSwitches): ApiReply {
  const limitText = query.get('limit');
  const offsetText = query.get('offset');
  const limit = limitText === null ? MAX_LIMIT : Number(limitText);
  const offset = offsetText === null ? undefined : Number(offsetText);
  if (!Number.isInteger(limit) || limit < 1) {
    return invalidBody([{ code: 'UNEXPECTED_TYPE', message: 'is not a positive integer', path: 'query.limit' }]);
  }
  if (offset !== undefined && (!Number.isInteger(offset) || offset < 0)) {
    return invalidBody([{ code: 'UNEXPECTED_TYPE', message: 'is not a non-negative integer', path: 'query.offset' }]);
  }
  const size = Math.min(limit, MAX_LIMIT);
  // Clients in the wild treat `offset` as a 1-based page (n3integration, libdns); the Swagger
  // text calls it a skip count. Which one GoDaddy means is a switch.
  const start = switches.offsetMode === 'page' ? (Math.max(1, offset ?? 1) - 1) * size : (offset ?? 0);
  if (start > 0 && start >= records.length && switches.pastLastPage === '422') {
    return invalidBody([{ code: 'UNKNOWN_RESTRICTION', message: 'is past the last page of results', path: 'query.offset' }]);
  }
  return reply(200, records.slice(start, start + size).map(toWire));
}

function toWire(r: SimRecord): Record<string, unknown> {
  return { ...r };
}

/** Locked domains and busy zones refuse writes; returns the refusal, or whether to blank data. */
function writeGate(ctx: ApiContext, domain: SimDomain): ApiReply | { blankData: boolean } {
  if (domain.locked && ctx.switches.protection === 'conflict409') return inactiveDomain();
  const last = domain.zone.lastWriteAt;
  if (ctx.busyAfterWriteMs > 0 && last !== undefined && ctx.now() - last < ctx.busyAfterWriteMs) return zoneBusy(ctx.switches.busyAnswer);
  // "Domain Protection" (POSH docs): the API says 200 but only empty records get created.
  return { blankData: domain.locked };
}

function commitWrite(ctx: ApiContext, domain: SimDomain, records: readonly SimRecord[]): void {
  ctx.commit(domain, records);
  domain.zone.lastWriteAt = ctx.now();
}

const BODY_KIND: Partial<Record<RouteMatch['id'], BodyKind>> = {
  'records.replaceTypeName': 'typeName',
  'records.replaceType': 'type',
  'records.replaceZone': 'zone',
  'records.add': 'patch',
};

function writeRecords(ctx: ApiContext, domain: SimDomain, route: RouteMatch, body: RequestBody): ApiReply {
  const kind = BODY_KIND[route.id];
  if (kind === undefined) return reply(500, { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
  if (body.kind !== 'json') return notJson(ctx.switches.invalidJsonStatus);
  const result = validateRecords(body.value, {
    kind,
    ...(kind === 'typeName' || kind === 'type' ? { pathType: route.type } : {}),
    ...(kind === 'typeName' ? { pathName: route.name } : {}),
    switches: ctx.switches,
  });
  if ('error' in result) return result.error;
  if (result.ignored) return reply(200);
  const gate = writeGate(ctx, domain);
  if ('status' in gate) return gate;
  const incoming = gate.blankData ? result.records.map((r) => ({ ...r, data: '' })) : result.records;
  const current = domain.zone.current().records;
  let next: SimRecord[];
  switch (kind) {
    case 'typeName':
      next = current.filter((r) => !(r.type === route.type && sameName(r.name, route.name, ctx.switches))).concat(incoming);
      break;
    case 'type':
      next = current.filter((r) => r.type !== route.type).concat(incoming);
      break;
    case 'zone':
      next = [...incoming];
      break;
    case 'patch': {
      const exists = (r: SimRecord): boolean =>
        current.some((c) => c.type === r.type && sameName(c.name, r.name, ctx.switches) && c.data === r.data);
      if (incoming.some(exists)) return duplicateRecord();
      next = current.concat(incoming);
      break;
    }
  }
  commitWrite(ctx, domain, next);
  return reply(200);
}

function deleteRecords(ctx: ApiContext, domain: SimDomain, route: RouteMatch): ApiReply {
  if (domain.locked && ctx.switches.protection === 'conflict409') return inactiveDomain();
  const current = domain.zone.current().records;
  const matches = (r: SimRecord): boolean => r.type === route.type && sameName(r.name, route.name, ctx.switches);
  if (!current.some(matches)) {
    return ctx.switches.deleteMissing === '204' ? reply(204) : recordsNotFound(route.type, route.name);
  }
  const gate = writeGate(ctx, domain);
  if ('status' in gate) return gate;
  commitWrite(ctx, domain, current.filter((r) => !matches(r)));
  return reply(204);
}
