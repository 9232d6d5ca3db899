/**
 * The live display of the propagation wait, for a human at a terminal: one line per authoritative
 * server address, redrawn in place as answers come in, then one summary line. Only used when
 * stderr is a TTY and --verbose is off; certbot and cron (no TTY) get nothing on success.
 */
import { shortValue } from '../domain/names.js';
import type { PendingCheck, ServerProgress } from '../dns/propagation.js';

export interface ProgressOptions {
  write: (text: string) => void;
  /** Terminal width; lines are cut to fit so that redrawing in place stays exact. */
  columns?: number;
  /** Shortest time between two redraws, except the first and the last. Default 100 ms. */
  minIntervalMs?: number;
  now?: () => number;
}

/** The lines for one state of the wait (pure; exported for tests). */
export function progressLines(servers: readonly ServerProgress[], pending: readonly PendingCheck[], elapsedMs: number): string[] {
  const done = servers.filter((s) => s.done).length;
  const head = `acme-godaddy: waiting for DNS (${(elapsedMs / 1000).toFixed(1)} s): ${done} of ${servers.length} nameserver address(es) ready`;
  const label = (s: ServerProgress): string => `${s.server.name === s.server.address ? '' : `${s.server.name} `}${s.server.address.includes(':') ? `[${s.server.address}]` : s.server.address}:${s.server.port}`;
  const width = Math.max(0, ...servers.map((s) => label(s).length));
  const lines = servers.map((s) => {
    const state = s.done ? 'ok  ' : 'wait';
    const count = `${s.served}/${s.expected}`;
    // Which values are missing, when only some are (with none served, the count says it all).
    const missing = s.done || s.served === 0 ? [] : pending.filter((p) => sameServer(p, s)).flatMap((p) => p.missing);
    const lacks = missing.length > 0 ? `  lacks ${[...new Set(missing)].map(shortValue).join(', ')}` : '';
    const problem = s.problem ? `  (${s.problem})` : '';
    return `  ${state}  ${label(s).padEnd(width)}  ${count.padStart(5)}${lacks}${problem}`;
  });
  return [head, ...lines];
}

function sameServer(p: PendingCheck, s: ServerProgress): boolean {
  return p.server.address === s.server.address && p.server.port === s.server.port && p.server.name === s.server.name;
}

/** A callback for waitForPropagation's `onRound` that draws the lines above in place. */
export function progressDisplay(options: ProgressOptions): (pending: readonly PendingCheck[], elapsedMs: number,
  servers: readonly ServerProgress[]) => void {
  const now = options.now ?? Date.now;
  // A pseudo-terminal may report 0 columns: then assume the classic 80.
  const columns = Math.max(20, options.columns !== undefined && options.columns > 0 ? options.columns : 80);
  const minInterval = options.minIntervalMs ?? 100;
  let drawn = 0;
  let lastDraw = -Infinity;
  let finished = false;
  return (pending, elapsedMs, servers) => {
    if (finished) return;
    const last = pending.length === 0;
    if (!last && drawn > 0 && now() - lastDraw < minInterval) return;
    lastDraw = now();
    // Back to the first line of the previous drawing, and clear from there down.
    let out = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    if (last) {
      finished = true;
      out += `acme-godaddy: all ${servers.length} nameserver address(es) serve every value after ${(elapsedMs / 1000).toFixed(1)} s\n`;
      drawn = 0;
    } else {
      const lines = progressLines(servers, pending, elapsedMs).map((line) => cut(line, columns - 1));
      out += lines.map((line) => `${line}\n`).join('');
      drawn = lines.length;
    }
    options.write(out);
  };
}

function cut(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
