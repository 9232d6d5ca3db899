import type { HostPort } from '../config.js';
import { DnsError, ZoneNotFoundError } from '../errors.js';
import { invalidDomainReason, isSelfOrAncestor, quoteDomainInput, zoneCandidates } from '../domain/names.js';
import { RCODE, RR, normalizeName, query as defaultQuery, type Answer, type Query, type RRType } from './client.js';
import { isIPv4, isIPv6 } from 'node:net';

/** Longest CNAME chain followed from `_acme-challenge.<domain>` (lego allows 50; 8 is plenty). */
export const MAX_CNAME_HOPS = 8;

export interface Nameserver {
  /** NS host name (or the address itself when configured by address). */
  name: string;
  address: string;
  port: number;
}

/**
 * Recursive lookups (SOA walk, NS, addresses) through the configured resolvers. Each question is
 * tried on every resolver in turn, a few rounds, before giving up; SERVFAIL and timeouts move on.
 */
export class Resolver {
  constructor(
    private readonly resolvers: readonly HostPort[],
    private readonly q: Query = defaultQuery,
    private readonly timeoutMs = 2000,
    private readonly rounds = 2,
  ) {}

  async ask(name: string, type: RRType): Promise<Answer> {
    if (this.resolvers.length === 0) {
      throw new DnsError('no DNS resolver configured (/etc/resolv.conf has no nameserver)',
        { hint: 'set ACME_GODADDY_RESOLVERS=ip[:port],…' });
    }
    const failures: string[] = [];
    for (let round = 0; round < this.rounds; round++) {
      for (const server of this.resolvers) {
        try {
          const answer = await this.q(server, name, type, { recursive: true, timeoutMs: this.timeoutMs });
          if (answer.rcode === RCODE.NOERROR || answer.rcode === RCODE.NXDOMAIN) return answer;
          failures.push(`${server.host}:${server.port} rcode ${answer.rcode}`);
        } catch (err) {
          failures.push(`${server.host}:${server.port} ${(err as Error).message}`);
        }
      }
    }
    throw new DnsError(`DNS lookup of ${name} failed: ${[...new Set(failures)].join(', ')}`,
      { hint: 'check ACME_GODADDY_RESOLVERS or /etc/resolv.conf' });
  }

  /**
   * The zone that holds `fqdn`: the closest enclosing name with its own SOA record. A negative
   * answer names the zone in its authority SOA, so one or two queries usually suffice. The walk
   * never goes above the registrable domain (see zoneCandidates), so however broken the answers
   * are, a public suffix such as `co.uk` is never returned.
   */
  async findZone(fqdn: string): Promise<string> {
    const candidates = zoneCandidates(fqdn);
    const floor = candidates[candidates.length - 1];
    if (floor === undefined) {
      throw new ZoneNotFoundError(`no DNS zone found for ${fqdn}: it is a public suffix, which nobody can own`);
    }
    /** A zone above the registrable domain that an answer placed the name in (a public suffix). */
    let suffixZone: string | undefined;
    let i = 0;
    while (i < candidates.length) {
      const candidate = candidates[i]!;
      const answer = await this.ask(candidate, RR.SOA);
      if (answer.answers.some((r) => r.type === RR.SOA && r.name === candidate)) return candidate;
      const authority = answer.authorities.find((r) => r.type === RR.SOA);
      if (authority && authority.name !== candidate && isSelfOrAncestor(authority.name, candidate)) {
        const jump = candidates.indexOf(authority.name);
        if (jump > i) {
          i = jump; // confirm the named zone with a direct SOA query on the next round
          continue;
        }
        if (jump < 0 && authority.name !== '') suffixZone ??= authority.name;
      }
      i++;
    }
    if (suffixZone !== undefined) {
      throw new ZoneNotFoundError(
        `no DNS zone found for ${fqdn}: the resolvers answer from ${suffixZone}, a public suffix, and ${floor} has no SOA record`,
        `check that ${floor} is registered and delegated, or set ACME_GODADDY_ZONES for a split-horizon setup`);
    }
    throw new ZoneNotFoundError(`no DNS zone found for ${fqdn} (no SOA record at ${candidates.join(', ')})`,
      'check that the domain exists in public DNS, or set ACME_GODADDY_RESOLVERS (or ACME_GODADDY_ZONES)');
  }

  /**
   * Follows CNAME records from `name`, one query per hop, and returns where the chain ends (the
   * name itself when it is no alias). Loops and chains longer than `maxHops` are errors, as are
   * targets that can never hold our record (a public suffix, a malformed name).
   */
  async followCname(name: string, maxHops = MAX_CNAME_HOPS): Promise<{ target: string; chain: string[] }> {
    const chain = [name];
    let current = name;
    for (;;) {
      const answer = await this.ask(current, RR.CNAME);
      const cname = answer.answers.find((r) => r.type === RR.CNAME && r.name === current);
      if (!cname) return { target: current, chain };
      const next = cname.data;
      if (chain.includes(next)) {
        throw new DnsError(`CNAME loop: ${[...chain, next].join(' -> ')}`,
          { hint: `fix the CNAME record at ${current}` });
      }
      if (chain.length > maxHops) {
        throw new DnsError(`CNAME chain from ${name} is longer than ${maxHops} hops: ${chain.join(' -> ')} -> ${next}`,
          { hint: `point ${name} more directly at the name that should hold the TXT record` });
      }
      const invalid = invalidDomainReason(next);
      if (invalid) {
        throw new DnsError(`${current} is a CNAME for ${/^[\x21-\x7e]+$/.test(next) ? next : next === '' ? '.' : quoteDomainInput(next)}, which ${invalid}`,
          { hint: `fix the CNAME record at ${current}` });
      }
      chain.push(next);
      current = next;
    }
  }

  async nameserverNames(zone: string): Promise<string[]> {
    const answer = await this.ask(zone, RR.NS);
    const names = answer.answers.filter((r) => r.type === RR.NS && r.name === zone).map((r) => r.data);
    if (names.length === 0) throw new DnsError(`DNS has no NS records for zone ${zone}`);
    return [...new Set(names)].sort();
  }

  /** IPv4 and IPv6 addresses of a host name; fails only when neither lookup works. */
  async addresses(host: string): Promise<string[]> {
    if (isIPv4(host) || isIPv6(host)) return [host];
    const [v4, v6] = await Promise.allSettled([this.ask(host, RR.A), this.ask(host, RR.AAAA)]);
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
    const out = [
      ...(v4.status === 'fulfilled' ? v4.value.answers.filter((r) => r.type === RR.A).map((r) => r.data) : []),
      ...(v6.status === 'fulfilled' ? v6.value.answers.filter((r) => r.type === RR.AAAA).map((r) => r.data) : []),
    ];
    return [...new Set(out)];
  }

  /**
   * Every address of every authoritative nameserver of the zone, on `port`. A nameserver name
   * without any address is skipped (reported through `onUnresolved`): the CA cannot ask it either.
   */
  async authoritativeServers(zone: string, port: number,
    options: { onUnresolved?: (name: string, reason: string) => void } = {}): Promise<Nameserver[]> {
    const names = await this.nameserverNames(zone);
    const lists = await Promise.all(names.map(async (name) => {
      try {
        const addresses = await this.addresses(name);
        if (addresses.length === 0) options.onUnresolved?.(name, 'no A or AAAA record');
        return { name, addresses };
      } catch (err) {
        options.onUnresolved?.(name, (err as Error).message);
        return { name, addresses: [] };
      }
    }));
    const servers = lists.flatMap(({ name, addresses }) => addresses.map((address) => ({ name, address, port })));
    if (servers.length === 0) {
      throw new DnsError(`none of the nameservers of ${zone} (${names.join(', ')}) has an address in DNS`);
    }
    return servers;
  }

  /** Resolves configured `host:port` entries (names or addresses) to servers. */
  async configuredServers(entries: readonly HostPort[]): Promise<Nameserver[]> {
    const lists = await Promise.all(entries.map(async (e) =>
      (await this.addresses(normalizeName(e.host))).map((address) => ({ name: e.host, address, port: e.port }))));
    return lists.flat();
  }
}
