// Simulated authoritative nameservers (S8). Each one serves the newest zone version committed at
// least `delayMs` ago, so right after an API write ns1 may already have a value that ns2 does not.
// Modes reproduce the failures a propagation checker must survive: SERVFAIL, dropped queries
// (timeouts), and a server that stops publishing altogether.

import { type DnsHandler, buildResponse, ednsPayload, questionOf } from './dns-listen.js';
import { type Zone, type ZoneVersion, findZone, relativeName } from './store.js';
import type { NameserverMode, SimDnsQuery, SimNameserver } from './types.js';
import { RCODE, type ZoneAnswer, answerFromZone, txtAt, txtSince } from './zone-answer.js';

/** A server's answer: AA set when it answered from a zone it serves. */
export type ServerAnswer = ZoneAnswer & { aa: boolean };

const MODE_PATTERN = /^(normal|servfail|refused|truncate|stale|drop|drop-every-([1-9]\d*))$/;

export class AuthServer {
  private currentMode: NameserverMode = 'normal';
  private queries = 0;
  /** While stale: the version of each zone this server froze on. */
  private frozen: Map<string, ZoneVersion> | undefined;

  /**
   * @param ns the server's identity; `delayMs` is read on every query, so changing it takes
   *   effect at once.
   * @param zones the zones it is authoritative for (anything else gets REFUSED).
   */
  constructor(
    readonly ns: SimNameserver,
    private readonly zones: () => readonly Zone[],
    private readonly now: () => number,
  ) {}

  get mode(): NameserverMode {
    return this.currentMode;
  }

  setMode(mode: NameserverMode): void {
    if (!MODE_PATTERN.test(mode)) throw new Error(`unknown nameserver mode: ${mode}`);
    if (mode === 'stale') {
      this.frozen ??= new Map(this.zones().map((zone) => [zone.apex, this.servedVersion(zone)]));
    } else {
      this.frozen = undefined;
    }
    this.currentMode = mode;
    this.queries = 0;
  }

  /** Answer one question with this server's mode applied; undefined means the query is dropped. */
  answer(qname: string, qtype: number): ServerAnswer | undefined {
    this.queries++;
    const mode = this.currentMode;
    if (mode === 'drop') return undefined;
    const every = /^drop-every-(\d+)$/.exec(mode);
    if (every && this.queries % Number(every[1]) === 0) return undefined;
    if (mode === 'servfail') return { rcode: RCODE.SERVFAIL, aa: false, answers: [], authorities: [] };
    if (mode === 'refused') return { rcode: RCODE.REFUSED, aa: false, answers: [], authorities: [] };
    const zone = this.zoneFor(qname);
    if (!zone) return { rcode: RCODE.REFUSED, aa: false, answers: [], authorities: [] };
    return { ...answerFromZone(zone.apex, this.servedVersion(zone), qname, qtype, this.ns.name), aa: true };
  }

  /** TXT values this server holds for `fqdn` now (modes that refuse to answer still hold data). */
  published(fqdn: string): string[] {
    const zone = this.zoneFor(fqdn);
    return zone ? txtAt(this.servedVersion(zone), relativeName(fqdn, zone.apex)) : [];
  }

  /**
   * When this server started serving `value` at `fqdn` (commit time of the first version in the
   * unbroken run that has it, plus the current delay), or undefined if it does not serve it.
   */
  publishedAt(fqdn: string, value: string): number | undefined {
    const zone = this.zoneFor(fqdn);
    if (!zone) return undefined;
    const since = txtSince(this.servedVersion(zone), relativeName(fqdn, zone.apex), value);
    return since === undefined ? undefined : since + this.ns.delayMs;
  }

  /** The dns2 handler for this server's socket. */
  handler(onQuery: (query: SimDnsQuery) => void): DnsHandler {
    return (request, proto) => {
      const question = questionOf(request, false);
      if (!('name' in question)) return question;
      const result = this.answer(question.name, question.type);
      let response = result && buildResponse(request, { ...result, ra: false });
      let truncated = false;
      if (response && proto === 'udp') {
        if (this.currentMode === 'truncate') {
          response = buildResponse(request, { rcode: result!.rcode, aa: result!.aa, ra: false, answers: [], authorities: [] });
          response.header.tc = 1;
          truncated = true;
        } else {
          // dns2's UDP server truncates what does not fit; tell the log so tests can see it.
          truncated = response.toBuffer().length > Math.max(512, ednsPayload(request) ?? 0);
        }
      }
      onQuery({
        at: this.now(),
        server: this.ns.name,
        address: this.ns.address,
        proto,
        name: question.name,
        type: question.type,
        rcode: result?.rcode ?? -1,
        answers: result?.answers.length ?? 0,
        rd: request.header.rd === 1,
        edns: ednsPayload(request),
        truncated,
      });
      return response;
    };
  }

  private servedVersion(zone: Zone): ZoneVersion {
    return this.frozen?.get(zone.apex) ?? zone.servedAt(this.now() - this.ns.delayMs);
  }

  private zoneFor(fqdn: string): Zone | undefined {
    return findZone(this.zones(), fqdn, (zone) => zone.apex);
  }
}
