// S4: validation of PUT/PATCH bodies with errors in GoDaddy's shape. Schema problems (wrong JSON
// types, missing fields, TTL bounds) come back as INVALID_BODY with one `fields` entry per
// problem, pathed like the real validator (`records[0].ttl`); data problems (bad address, long
// TXT) as INVALID_RECORDS; duplicates as DUPLICATE_RECORD.

import { isIPv4, isIPv6 } from 'node:net';
import {
  type ApiReply,
  type ErrorField,
  duplicateRecord,
  invalidBody,
  invalidRecords,
} from './api-errors.js';
import type { SimRecord, SimSwitches } from './types.js';

/** Types GET and PUT accept in the path (SW-2022 enum). */
export const RECORD_TYPES: readonly string[] = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'SOA', 'SRV', 'TXT'];
/** Types DELETE accepts: NS and SOA cannot be deleted. */
export const DELETE_TYPES: readonly string[] = ['A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT'];

export const MIN_TTL = 600;

/**
 * Which endpoint the body is for: `typeName` = PUT .../{type}/{name}; `type` = PUT .../{type};
 * `zone` = PUT .../records; `patch` = PATCH .../records.
 */
export type BodyKind = 'typeName' | 'type' | 'zone' | 'patch';

export interface BodyContext {
  kind: BodyKind;
  pathType?: string;
  pathName?: string;
  switches: SimSwitches;
}

/** `records` to store, `ignored` when an empty array was accepted as a no-op, or an error reply. */
export type ValidationResult = { records: SimRecord[]; ignored: boolean } | { error: ApiReply };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function sameName(a: string, b: string, switches: SimSwitches): boolean {
  return switches.nameCase === 'insensitive' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

export function validateRecords(body: unknown, ctx: BodyContext): ValidationResult {
  if (!Array.isArray(body)) {
    return { error: invalidBody([{ code: 'UNEXPECTED_TYPE', message: 'is not a array', path: 'records' }]) };
  }
  if (body.length === 0) {
    if (ctx.switches.emptyPutArray === 'ignore') return { records: [], ignored: true };
    return {
      error: invalidBody([{ code: 'UNKNOWN_RESTRICTION', message: 'must have a minimum of 1 items', path: 'records' }]),
    };
  }
  const fields: ErrorField[] = [];
  const records: SimRecord[] = [];
  body.forEach((element, i) => {
    const record = checkElement(element, `records[${i}]`, ctx, fields);
    if (record) records.push(record);
  });
  if (fields.length > 0) return { error: invalidBody(fields) };

  const problems = records.flatMap((r) => dataProblems(r, ctx.switches));
  if (problems.length > 0) return { error: invalidRecords(problems) };

  const unique: SimRecord[] = [];
  for (const r of records) {
    if (unique.some((u) => u.type === r.type && sameName(u.name, r.name, ctx.switches) && u.data === r.data)) {
      if (ctx.switches.duplicateInPut === 'reject') return { error: duplicateRecord() };
      continue;
    }
    unique.push(r);
  }
  const max = ctx.switches.maxTxtPerName;
  if (max > 0 && ctx.kind === 'typeName' && ctx.pathType === 'TXT' && unique.length > max) {
    return { error: invalidRecords([`Too many records: a name may hold at most ${max} TXT records`]) };
  }
  return { records: unique, ignored: false };
}

function checkElement(element: unknown, at: string, ctx: BodyContext, fields: ErrorField[]): SimRecord | undefined {
  if (!isObject(element)) {
    fields.push({ code: 'UNEXPECTED_TYPE', message: 'is not a object', path: at });
    return undefined;
  }
  const before = fields.length;
  const needsTypeAndName = ctx.kind === 'zone' || ctx.kind === 'patch';
  const type = checkString(element, 'type', at, needsTypeAndName, fields);
  const name = checkString(element, 'name', at, ctx.kind !== 'typeName', fields);
  const data = checkString(element, 'data', at, true, fields);
  const ttl = checkTtl(element.ttl, at, ctx.switches, fields);

  // Per-name and per-type PUTs take type (and name) from the path; by default the body's copies
  // are ignored, as clients that send them get 200 from the real API (LEX-CASS).
  if (ctx.switches.bodyNameMismatch === 'reject') {
    if (ctx.pathType !== undefined && type !== undefined && type !== ctx.pathType) {
      fields.push({ code: 'UNKNOWN_RESTRICTION', message: `must match the type in the path (${ctx.pathType})`, path: `${at}.type` });
    }
    if (ctx.pathName !== undefined && name !== undefined && !sameName(name, ctx.pathName, ctx.switches)) {
      fields.push({ code: 'UNKNOWN_RESTRICTION', message: `must match the name in the path (${ctx.pathName})`, path: `${at}.name` });
    }
  }
  const extra = checkExtras(element, at, fields);
  if (fields.length > before || data === undefined || ttl === undefined) return undefined;

  const recordType = ctx.pathType ?? type ?? '';
  const record: SimRecord = { type: recordType, name: ctx.pathName ?? name ?? '', data, ttl };
  if (recordType === 'MX' || recordType === 'SRV') {
    if (extra.priority !== undefined) record.priority = extra.priority;
  }
  if (recordType === 'SRV') {
    if (extra.weight !== undefined) record.weight = extra.weight;
    if (extra.port !== undefined) record.port = extra.port;
    if (extra.protocol !== undefined) record.protocol = extra.protocol;
    if (extra.service !== undefined) record.service = extra.service;
  }
  return record;
}

function checkString(element: Json, key: string, at: string, required: boolean, fields: ErrorField[]): string | undefined {
  const value = element[key];
  if (value === undefined) {
    if (required) fields.push({ code: 'MISSING_REQUIRED', message: 'is required', path: `${at}.${key}` });
    return undefined;
  }
  if (typeof value !== 'string') {
    fields.push({ code: 'UNEXPECTED_TYPE', message: 'is not a string', path: `${at}.${key}` });
    return undefined;
  }
  return value;
}

function checkTtl(value: unknown, at: string, switches: SimSwitches, fields: ErrorField[]): number | undefined {
  const path = `${at}.ttl`;
  if (value === undefined) return switches.missingTtl;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fields.push({ code: 'UNEXPECTED_TYPE', message: 'is not a integer', path });
    return undefined;
  }
  if (value < MIN_TTL) {
    fields.push({ code: 'UNKNOWN_RESTRICTION', message: `must have a minimum value of ${MIN_TTL}`, path });
    return undefined;
  }
  if (value > switches.maxTtl) {
    fields.push({ code: 'UNKNOWN_RESTRICTION', message: `must have a maximum value of ${switches.maxTtl}`, path });
    return undefined;
  }
  return value;
}

interface Extras {
  priority?: number;
  weight?: number;
  port?: number;
  protocol?: string;
  service?: string;
}

/** MX/SRV fields: type-checked when present, ignored for other types. */
function checkExtras(element: Json, at: string, fields: ErrorField[]): Extras {
  const extras: Extras = {};
  for (const key of ['priority', 'weight', 'port'] as const) {
    const value = element[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      fields.push({ code: 'UNEXPECTED_TYPE', message: 'is not a integer', path: `${at}.${key}` });
    } else if (key === 'port' && (value < 1 || value > 65535)) {
      fields.push({ code: 'UNKNOWN_RESTRICTION', message: 'must have a value between 1 and 65535', path: `${at}.port` });
    } else {
      extras[key] = value;
    }
  }
  for (const key of ['protocol', 'service'] as const) {
    const value = element[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') fields.push({ code: 'UNEXPECTED_TYPE', message: 'is not a string', path: `${at}.${key}` });
    else extras[key] = value;
  }
  return extras;
}

/** INVALID_RECORDS messages for data the schema accepts but GoDaddy refuses. */
function dataProblems(record: SimRecord, switches: SimSwitches): string[] {
  if (!RECORD_TYPES.includes(record.type)) return [`Invalid record type [${record.type}] provided for record, [${record.name}].`];
  if (record.type === 'A' && !isIPv4(record.data)) return [`Invalid [ipaddress] provided for record data, [${record.data}].`];
  if (record.type === 'AAAA' && !isIPv6(record.data)) return [`Invalid [ipv6address] provided for record data, [${record.data}].`];
  if (record.type === 'TXT' && record.data.length > switches.txtMaxLength) {
    return [`Invalid [length] provided for record data, must be ${switches.txtMaxLength} characters or less.`];
  }
  return [];
}
