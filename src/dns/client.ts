import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dns2 from 'dns2';
import type { HostPort } from '../config.js';

const { Packet } = dns2;

export const RR = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28 } as const;
export type RRType = (typeof RR)[keyof typeof RR];
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** One resource record, decoded into the fields this tool uses. */
export interface Record {
  name: string;
  type: number;
  ttl: number;
  /** A/AAAA address, NS/CNAME target, SOA primary, or the TXT value (character-strings joined). */
  data: string;
}

export interface Answer {
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  answers: Record[];
  authorities: Record[];
  /** How the answer arrived, for progress lines and error messages. */
  transport: 'udp' | 'tcp';
}

export interface QueryOptions {
  /** Ask the server to recurse (RD=1). Authoritative checks send RD=0. */
  recursive: boolean;
  timeoutMs: number;
}

/** Anything that can answer one DNS question; the seam tests and benchmarks replace. */
export type Query = (server: HostPort, name: string, type: RRType, options: QueryOptions) => Promise<Answer>;

export class DnsTransportError extends Error {
  constructor(readonly server: HostPort, message: string) {
    super(message);
    this.name = 'DnsTransportError';
  }
}

const EDNS_PAYLOAD = 1232;

/**
 * Sends one question over UDP with EDNS0 (1232-byte payload, the DNS flag day value) and repeats it
 * over TCP when the answer comes back truncated. Throws DnsTransportError on timeout or garbage.
 */
export const query: Query = async (server, name, type, options) => {
  const id = randomInt(1, 0xffff);
  const request = buildQuery(id, name, type, options.recursive);
  const udp = await exchangeUdp(server, request, options.timeoutMs);
  const first = decode(server, udp, id, name, 'udp');
  if (!first.truncated) return first;
  const tcp = await exchangeTcp(server, request, options.timeoutMs);
  return decode(server, tcp, id, name, 'tcp');
};

function buildQuery(id: number, name: string, type: number, recursive: boolean): Buffer {
  const packet = new Packet();
  packet.header.id = id;
  packet.header.rd = recursive ? 1 : 0;
  packet.questions.push({ name, type, class: Packet.CLASS.IN } as never);
  packet.additionals.push((Packet.Resource.EDNS as unknown as (rdata: unknown[], opts: unknown) => never)([], { udpPayloadSize: EDNS_PAYLOAD }));
  return packet.toBuffer();
}

function decode(server: HostPort, buffer: Buffer, id: number, name: string, transport: 'udp' | 'tcp'): Answer {
  let packet: InstanceType<typeof Packet>;
  try {
    packet = Packet.parse(buffer);
  } catch {
    throw new DnsTransportError(server, 'malformed DNS answer');
  }
  const question = packet.questions[0];
  if (packet.header.id !== id || !question || !sameName(question.name, name)) {
    throw new DnsTransportError(server, 'DNS answer does not match the question');
  }
  return {
    rcode: packet.header.rcode,
    authoritative: packet.header.aa === 1,
    truncated: packet.header.tc === 1,
    answers: packet.answers.map(toRecord).filter((r): r is Record => r !== undefined),
    authorities: packet.authorities.map(toRecord).filter((r): r is Record => r !== undefined),
    transport,
  };
}

function toRecord(raw: unknown): Record | undefined {
  const r = raw as { name?: string; type?: number; ttl?: number; address?: string; ns?: string; domain?: string;
    primary?: string; data?: unknown };
  if (typeof r.name !== 'string' || typeof r.type !== 'number') return undefined;
  let data: string | undefined;
  switch (r.type) {
    case RR.A:
    case RR.AAAA:
      data = r.address;
      break;
    case RR.NS:
      data = r.ns;
      break;
    case RR.CNAME:
      data = r.domain;
      break;
    case RR.SOA:
      data = r.primary;
      break;
    case RR.TXT:
      data = Array.isArray(r.data) ? r.data.join('') : typeof r.data === 'string' ? r.data : undefined;
      break;
    default:
      return undefined;
  }
  if (typeof data !== 'string') return undefined;
  return { name: normalizeName(r.name), type: r.type, ttl: r.ttl ?? 0, data: r.type === RR.TXT ? data : normalizeName(data) };
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

function exchangeUdp(server: HostPort, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    let done = false;
    const timer = setTimeout(() => finish(new DnsTransportError(server, `no answer within ${timeoutMs} ms`)), timeoutMs);
    function finish(err: Error | undefined, data?: Buffer): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(data!);
    }
    socket.on('error', (err) => finish(new DnsTransportError(server, err.message)));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return; // not from the server we asked
      finish(undefined, msg);
    });
    socket.send(request, server.port, server.host);
  });
}

function exchangeTcp(server: HostPort, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const timer = setTimeout(() => finish(new DnsTransportError(server, `no TCP answer within ${timeoutMs} ms`)), timeoutMs);
    function finish(err: Error | undefined, data?: Buffer): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(data!);
    }
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(request.length);
      socket.write(Buffer.concat([prefix, request]));
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      const all = Buffer.concat(chunks, length);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) finish(undefined, all.subarray(2, 2 + all.readUInt16BE(0)));
    });
    socket.on('error', (err) => finish(new DnsTransportError(server, err.message)));
    socket.on('close', () => finish(new DnsTransportError(server, 'TCP connection closed before an answer')));
  });
}
