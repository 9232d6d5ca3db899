// Socket plumbing for the DNS side: dns2's UDP and TCP servers bound on chosen addresses, all on
// one port. We bind dgram/net ourselves instead of dns2's `listen()` because it drops the
// address for TCP when the port is 0 and never settles its promise on EADDRINUSE.

import type { Socket as UdpSocket } from 'node:dgram';
import { isIPv6, type Server as TcpServer, type Socket } from 'node:net';
import { Packet, createTCPServer, createUDPServer } from 'dns2';
import { RCODE, TYPE, type WireRecord } from './zone-answer.js';

export type DnsPacket = InstanceType<typeof Packet>;

/** What a simulated server does with one query: a response packet, or undefined to drop it. */
export type DnsHandler = (request: DnsPacket, proto: 'udp' | 'tcp') => DnsPacket | undefined;

export interface DnsEndpoint {
  address: string;
  handler: DnsHandler;
}

export interface DnsListeners {
  readonly port: number;
  close(): Promise<void>;
}

const PORT_ATTEMPTS = 20;

/**
 * Bind UDP and TCP on every endpoint's address with one shared port. Port 0 picks a port free on
 * all of them: bind the first UDP socket to an ephemeral port, reuse it elsewhere, and start
 * over on EADDRINUSE.
 */
export async function listenDns(endpoints: readonly DnsEndpoint[], port: number): Promise<DnsListeners> {
  for (let attempt = 1; ; attempt++) {
    const opened: (() => Promise<void>)[] = [];
    const closeAll = async (): Promise<void> => {
      await Promise.all(opened.map((close) => close()));
    };
    try {
      let chosen = port;
      for (const endpoint of endpoints) {
        const udp = await bindUdp(endpoint, chosen);
        opened.push(udp.close);
        chosen = udp.port;
        opened.push(await bindTcp(endpoint, chosen));
      }
      return { port: chosen, close: closeAll };
    } catch (error) {
      await closeAll();
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || port !== 0 || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

function respond(handler: DnsHandler, proto: 'udp' | 'tcp') {
  return (request: DnsPacket, send: (response: DnsPacket) => Promise<Buffer>): void => {
    let response: DnsPacket | undefined;
    try {
      response = handler(request, proto);
    } catch {
      response = Packet.createResponseFromRequest(request);
      response.header.rcode = RCODE.SERVFAIL; // a simulator bug must not kill the process
    }
    if (response) send(response).catch(() => undefined);
  };
}

async function bindUdp(endpoint: DnsEndpoint, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createUDPServer({ type: isIPv6(endpoint.address) ? 'udp6' : 'udp4' });
  socket.on('request', respond(endpoint.handler, 'udp'));
  const dgram: UdpSocket = socket;
  await new Promise<void>((resolve, reject) => {
    dgram.once('error', reject);
    dgram.bind({ port, address: endpoint.address, exclusive: true }, () => {
      dgram.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    closeQuietly(dgram);
    throw error;
  });
  // After binding, a send error on one reply must not crash the process.
  dgram.on('error', () => undefined);
  return {
    port: dgram.address().port,
    close: () => new Promise((resolve) => dgram.close(() => resolve())),
  };
}

function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // never bound: nothing to close
  }
}

async function bindTcp(endpoint: DnsEndpoint, port: number): Promise<() => Promise<void>> {
  const server: TcpServer = createTCPServer();
  server.on('request', respond(endpoint.handler, 'tcp'));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: endpoint.address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}

export interface ResponseSections {
  rcode: number;
  aa: boolean;
  ra: boolean;
  answers: readonly WireRecord[];
  authorities: readonly WireRecord[];
}

/**
 * Build the response to `request`. When the query carried EDNS, answer with an OPT record too
 * (RFC 6891); dns2's UDP server already truncates (TC=1, no answers) above the negotiated size,
 * or above 512 bytes without EDNS, which is the cliff Pebble falls off.
 */
export function buildResponse(request: DnsPacket, sections: ResponseSections): DnsPacket {
  const response = Packet.createResponseFromRequest(request);
  response.header.aa = sections.aa ? 1 : 0;
  response.header.ra = sections.ra ? 1 : 0;
  response.header.rcode = sections.rcode;
  // dns2's encoder takes plain objects; its typings want class instances (the one boundary cast).
  response.answers = sections.answers.map((rr) => ({ ...rr })) as unknown as DnsPacket['answers'];
  response.authorities = sections.authorities.map((rr) => ({ ...rr })) as unknown as DnsPacket['authorities'];
  if (request.additionals.some((rr) => rr.type === TYPE.EDNS)) response.additionals.push(optRecord());
  return response;
}

type EdnsFactory = (rdata: object[], opts: { udpPayloadSize: number }) => unknown;

/** An OPT record advertising 1232 bytes (the DNS Flag Day 2020 value). */
function optRecord(): DnsPacket['additionals'][number] {
  const edns = Packet.Resource.EDNS as unknown as EdnsFactory;
  return edns([], { udpPayloadSize: 1232 }) as DnsPacket['additionals'][number];
}

/** The UDP payload size a query advertises in its EDNS0 OPT record, or undefined without one. */
export function ednsPayload(request: DnsPacket): number | undefined {
  const opt = request.additionals.find((rr) => rr.type === TYPE.EDNS) as { class?: number } | undefined;
  return opt === undefined ? undefined : (opt.class ?? 0);
}

/**
 * The first question of `request`, or a finished error response when there is none to answer
 * (FORMERR without a question, NOTIMP for anything but a standard query).
 */
export function questionOf(request: DnsPacket, ra: boolean): { name: string; type: number } | DnsPacket {
  const question = request.questions[0];
  if (question && request.header.opcode === 0) return { name: question.name, type: question.type };
  return buildResponse(request, { rcode: question ? RCODE.NOTIMP : RCODE.FORMERR, aa: false, ra, answers: [], authorities: [] });
}
