// Authoritative answers from one zone version, independent of sockets. GoDaddy API records are
// relative (`@`, `_acme-challenge.www`) with bare data; here they become DNS RRs. NXDOMAIN vs
// NODATA follows RFC 2308 (SOA in the authority section, its TTL capped by SOA minimum), and an
// empty non-terminal (`www` when only `_acme-challenge.www` exists) is NODATA.

import { isIPv4, isIPv6 } from 'node:net';
import { Packet } from 'dns2';
import { recordKey, type ZoneVersion } from './store.js';
import type { SimRecord } from './types.js';

/** A resource record in dns2's encoder shape (TXT data as byte chunks, names without dot). */
export interface WireRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  address?: string;
  domain?: string;
  ns?: string;
  exchange?: string;
  priority?: number;
  data?: Buffer[];
  primary?: string;
  admin?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expiration?: number;
  minimum?: number;
}

export interface ZoneAnswer {
  rcode: number;
  answers: WireRecord[];
  authorities: WireRecord[];
  /** Set when the answer is a CNAME for another type: the FQDN a resolver should chase. */
  cnameTarget?: string;
}

export const { TYPE, RCODE, CLASS } = Packet as unknown as {
  TYPE: typeof Packet.TYPE;
  CLASS: typeof Packet.CLASS;
  RCODE: { NOERROR: 0; FORMERR: 1; SERVFAIL: 2; NXDOMAIN: 3; NOTIMP: 4; REFUSED: 5 };
};

const SERVED_TYPES: Record<string, number> = {
  A: TYPE.A,
  AAAA: TYPE.AAAA,
  CNAME: TYPE.CNAME,
  MX: TYPE.MX,
  NS: TYPE.NS,
  TXT: TYPE.TXT,
};

const SOA_TTL = 3600;
const SOA_MINIMUM = 600;
/** GoDaddy's serials look like dates; ours count commits so clients can compare them. */
const SERIAL_BASE = 2024010100;

/** Split TXT data into <= 255-byte character-strings; empty data is one empty string. */
export function txtStrings(data: string): Buffer[] {
  const bytes = Buffer.from(data, 'utf8');
  if (bytes.length === 0) return [Buffer.alloc(0)];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out;
}

/** Record data that names a host: `@` is the apex, a trailing dot is dropped. */
function hostName(data: string, apex: string): string {
  return data === '@' ? apex : data.replace(/\.$/, '');
}

function toWire(r: SimRecord, owner: string, apex: string): WireRecord | undefined {
  const type = SERVED_TYPES[r.type];
  if (type === undefined) return undefined;
  const base = { name: owner, type, class: CLASS.IN, ttl: r.ttl };
  switch (r.type) {
    case 'A':
      return isIPv4(r.data) ? { ...base, address: r.data } : undefined;
    case 'AAAA':
      return isIPv6(r.data) ? { ...base, address: r.data } : undefined;
    case 'CNAME':
      return { ...base, domain: hostName(r.data, apex) };
    case 'NS':
      return { ...base, ns: hostName(r.data, apex) };
    case 'MX':
      return { ...base, exchange: hostName(r.data, apex), priority: r.priority ?? 0 };
    default:
      return { ...base, data: txtStrings(r.data) };
  }
}

/** The zone's SOA. Its primary is the first NS at the apex, else `fallbackPrimary`. */
export function soaRecord(apex: string, version: ZoneVersion, fallbackPrimary: string, ttl = SOA_TTL): WireRecord {
  const ns = version.records.find((r) => r.type === 'NS' && r.name === '@');
  return {
    name: apex,
    type: TYPE.SOA,
    class: CLASS.IN,
    ttl,
    primary: ns ? hostName(ns.data, apex) : fallbackPrimary,
    admin: 'dns.jomax.test',
    serial: SERIAL_BASE + version.seq,
    refresh: 28800,
    retry: 7200,
    expiration: 604800,
    minimum: SOA_MINIMUM,
  };
}

/** Answer `qname`/`qtype` (qname inside the zone `apex`) from `version`. */
export function answerFromZone(apex: string, version: ZoneVersion, qname: string, qtype: number, fallbackPrimary: string): ZoneAnswer {
  const name = qname.toLowerCase().replace(/\.$/, '');
  const rel = name === apex ? '@' : name.slice(0, name.length - apex.length - 1);
  const here = version.records.filter((r) => r.name.toLowerCase() === rel);
  const negative = (rcode: number): ZoneAnswer => ({
    rcode,
    answers: [],
    authorities: [soaRecord(apex, version, fallbackPrimary, Math.min(SOA_TTL, SOA_MINIMUM))],
  });

  if (qtype === TYPE.SOA && rel === '@') {
    return { rcode: RCODE.NOERROR, answers: [{ ...soaRecord(apex, version, fallbackPrimary), name: qname }], authorities: [] };
  }
  const cname = here.find((r) => r.type === 'CNAME');
  if (cname && qtype !== TYPE.CNAME && qtype !== TYPE.ANY) {
    const rr = toWire(cname, qname, apex) as WireRecord;
    return { rcode: RCODE.NOERROR, answers: [rr], authorities: [], cnameTarget: rr.domain as string };
  }
  const answers = here
    .filter((r) => qtype === TYPE.ANY || SERVED_TYPES[r.type] === qtype)
    .map((r) => toWire(r, qname, apex))
    .filter((rr): rr is WireRecord => rr !== undefined);
  if (answers.length > 0) return { rcode: RCODE.NOERROR, answers, authorities: [] };

  const exists = rel === '@' || here.length > 0 || version.records.some((r) => r.name.toLowerCase().endsWith(`.${rel}`));
  return negative(exists ? RCODE.NOERROR : RCODE.NXDOMAIN);
}

/** TXT data served at `rel` in `version` (names compared case-insensitively, as DNS does). */
export function txtAt(version: ZoneVersion, rel: string): string[] {
  return version.records.filter((r) => r.type === 'TXT' && r.name.toLowerCase() === rel).map((r) => r.data);
}

/** Commit time of the first version, in the run ending at `version`, that had this TXT value. */
export function txtSince(version: ZoneVersion, rel: string, value: string): number | undefined {
  const record = version.records.find((r) => r.type === 'TXT' && r.name.toLowerCase() === rel && r.data === value);
  return record ? version.since.get(recordKey('TXT', record.name, value)) : undefined;
}
