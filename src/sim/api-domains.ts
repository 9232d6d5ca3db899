// Domain endpoints: `GET /v1/domains` (DomainSummary list) and `GET /v1/domains/{d}`
// (DomainDetail with every field SW-2022 marks required, contacts and authCode faked).

import { type ApiReply, DOMAIN_PATTERN, domainFormat, domainNotFound, reply } from './api-errors.js';
import type { SimDomain, SimStore } from './store.js';

const MAX_LIST_LIMIT = 1000;

// Fixed dates so bodies do not depend on the injected clock.
const CREATED_AT = '2020-01-15T18:00:00.000Z';
const EXPIRES = '2030-01-15T18:00:00.000Z';
const RENEW_DEADLINE = '2030-03-01T18:00:00.000Z';

function summary(d: SimDomain, withNameServers: boolean): Record<string, unknown> {
  return {
    createdAt: CREATED_AT,
    domain: d.domain,
    domainId: d.domainId,
    expirationProtected: false,
    expires: EXPIRES,
    holdRegistrar: false,
    locked: d.locked,
    privacy: false,
    renewAuto: true,
    renewable: true,
    status: d.status,
    transferProtected: false,
    ...(withNameServers ? { nameServers: [...d.nameServers] } : {}),
  };
}

const CONTACT = {
  addressMailing: {
    address1: '1 Simulated Way',
    city: 'Testville',
    country: 'US',
    postalCode: '85000',
    state: 'Arizona',
  },
  email: 'owner@example.test',
  nameFirst: 'Sim',
  nameLast: 'Owner',
  phone: '+1.4805550100',
};

function detail(d: SimDomain): Record<string, unknown> {
  return {
    ...summary(d, true),
    authCode: `SIM-AUTH-${d.domainId}`,
    contactAdmin: CONTACT,
    contactBilling: CONTACT,
    contactRegistrant: CONTACT,
    contactTech: CONTACT,
    exposeWhois: false,
    renewDeadline: RENEW_DEADLINE,
  };
}

/** `GET /v1/domains`: the key's domains, with `statuses`, `limit`, `marker` and `includes`. */
export function listDomains(store: SimStore, ownerKey: string, query: URLSearchParams): ApiReply {
  const limitText = query.get('limit');
  const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    // The real message for limit > 1000 (SW-2022, domainmod #46); the code was never captured.
    return reply(422, { code: 'INVALID_BODY', message: `Limit must have a value no greater than ${MAX_LIST_LIMIT}` });
  }
  const statuses = query.get('statuses')?.split(',').filter(Boolean);
  const marker = query.get('marker');
  const includes = (query.get('includes') ?? '').split(',');
  const list = store
    .all()
    .filter((d) => d.ownerKey === ownerKey)
    .filter((d) => !statuses || statuses.length === 0 || statuses.includes(d.status))
    .filter((d) => marker === null || d.domain > marker.toLowerCase())
    .slice(0, limit)
    .map((d) => summary(d, includes.includes('nameServers')));
  return reply(200, list);
}

/** `GET /v1/domains/{d}`: detail for the key's own domain, else 404 NOT_FOUND (not UNKNOWN_DOMAIN). */
export function getDomain(store: SimStore, ownerKey: string, name: string): ApiReply {
  if (!DOMAIN_PATTERN.test(name)) return domainFormat('path.domain');
  const d = store.get(name);
  if (!d || d.ownerKey !== ownerKey) return domainNotFound(name);
  return reply(200, detail(d));
}
