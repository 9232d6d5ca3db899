// A recursive resolver over the simulated zones, for clients (and Pebble's `-dnsserver`) that
// resolve instead of asking the authoritative servers. It does no caching, and asks a randomly
// chosen (seeded) delegated server each time, so a client that stops waiting before every
// server has a value sees it come and go, as behind a real anycast resolver.

import { isIPv6 } from 'node:net';
import type { AuthServer } from './dns.js';
import { type DnsHandler, buildResponse, ednsPayload, questionOf } from './dns-listen.js';
import type { Rng } from './rng.js';
import { type SimDomain, type SimStore, normalizeName } from './store.js';
import type { SimDnsQuery } from './types.js';
import { CLASS, RCODE, TYPE, type ZoneAnswer } from './zone-answer.js';

/** Longest CNAME chain followed before giving up (loops end here too). */
const MAX_CHAIN = 8;
const HOST_TTL = 3600;

export interface ResolverDeps {
  readonly store: SimStore;
  /** The servers the public delegation of `domain` points at. */
  readonly serversFor: (domain: SimDomain) => readonly AuthServer[];
  /** Nameserver host name -> its addresses (IPv4 and/or IPv6), so clients can find the servers by name. */
  readonly hosts: ReadonlyMap<string, readonly string[]>;
  readonly rng: Rng;
  readonly now: () => number;
  /** The resolver's own listen address (for the query log). */
  readonly address: string;
}

export class Resolver {
  constructor(private readonly deps: ResolverDeps) {}

  resolve(qname: string, qtype: number, depth = 0): ZoneAnswer {
    const name = normalizeName(qname);
    const addresses = this.deps.hosts.get(name);
    if (addresses !== undefined) {
      const answers = addresses
        .map((address) => ({ address, type: isIPv6(address) ? TYPE.AAAA : TYPE.A }))
        .filter(({ type }) => qtype === type || qtype === TYPE.ANY)
        .map(({ address, type }) => ({ name: qname, type, class: CLASS.IN, ttl: HOST_TTL, address }));
      return { rcode: RCODE.NOERROR, answers, authorities: [] };
    }
    const domain = this.deps.store.zoneFor(name);
    if (!domain) return { rcode: RCODE.NXDOMAIN, answers: [], authorities: [] };

    const result = this.askOneServer(this.deps.serversFor(domain), qname, qtype);
    if (!result) return { rcode: RCODE.SERVFAIL, answers: [], authorities: [] };
    const target = result.cnameTarget;
    if (target !== undefined && depth < MAX_CHAIN && this.knows(target)) {
      const next = this.resolve(target, qtype, depth + 1);
      return { rcode: next.rcode, answers: [...result.answers, ...next.answers], authorities: next.authorities };
    }
    return { rcode: result.rcode, answers: result.answers, authorities: result.authorities };
  }

  handler(onQuery: (query: SimDnsQuery) => void): DnsHandler {
    return (request, proto) => {
      const question = questionOf(request, true);
      if (!('name' in question)) return question;
      const result = this.resolve(question.name, question.type);
      const response = buildResponse(request, { ...result, aa: false, ra: true });
      onQuery({
        at: this.deps.now(),
        server: 'resolver',
        address: this.deps.address,
        proto,
        name: question.name,
        type: question.type,
        rcode: result.rcode,
        answers: result.answers.length,
        rd: request.header.rd === 1,
        edns: ednsPayload(request),
        truncated: proto === 'udp' && response.toBuffer().length > Math.max(512, ednsPayload(request) ?? 0),
      });
      return response;
    };
  }

  /** Start at a random server; like a real resolver, move on when one fails or times out. */
  private askOneServer(servers: readonly AuthServer[], qname: string, qtype: number): ZoneAnswer | undefined {
    const first = Math.floor(this.deps.rng() * servers.length);
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(first + i) % servers.length] as AuthServer;
      const answer = server.answer(qname, qtype);
      if (answer && answer.rcode !== RCODE.SERVFAIL && answer.rcode !== RCODE.REFUSED) return answer;
    }
    return undefined;
  }

  private knows(fqdn: string): boolean {
    const name = normalizeName(fqdn);
    return this.deps.hosts.has(name) || this.deps.store.zoneFor(name) !== undefined;
  }
}
