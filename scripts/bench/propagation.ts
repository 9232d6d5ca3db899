// Propagation: one auth that must wait (CERTBOT_REMAINING_CHALLENGES=0). Figure: the hook's exit
// minus the moment the last authoritative server started serving the value (sim.publishedAt).
//
// Phase. A poller's overhead depends on where the publish moment falls between two polls; with a
// publish delay that is an exact multiple of the poll interval, every poll lands just after the
// publish and the overhead looks like zero. So each cell runs n hooks whose publish delay is
// D + φ, φ spread evenly over one poll interval around D ((j + ½)/n − ½ times the interval), and
// reports the median and the worst. acme-godaddy is swept over its own interval P; the baselines
// (whose poll intervals are fixed: 10 s and 2 s) over a 2 s window, once per D.

import { max, median, progress, token } from './util.js';
import { certbotEnv, recordOf, withWorld, type Strategy } from './world.js';

export interface PropagationSample {
  publishDelayMs: number;
  /** Hook exit minus the last nameserver's publish time; negative = returned before every server had it. */
  overheadMs: number;
  hookMs: number;
  code: number;
  stderr: string;
}

export interface PropagationCell {
  strategy: Strategy;
  delayMs: number;
  /** acme-godaddy's ACME_GODADDY_POLL_INTERVAL (undefined for the baselines: fixed intervals). */
  pollMs: number | undefined;
  sweepMs: number;
  samples: PropagationSample[];
  medianOverheadMs: number;
  maxOverheadMs: number;
  /** Hooks that returned before every authoritative server served the value (unsafe). */
  early: number;
  failed: number;
}

export interface PropagationCellOptions {
  strategy: Strategy;
  delayMs: number;
  pollMs?: number;
  sweepMs: number;
  phases: number;
  apiLatencyMs: number;
  signal: AbortSignal;
}

export async function propagationCell(o: PropagationCellOptions): Promise<PropagationCell> {
  const pollS = o.pollMs === undefined ? 2 : o.pollMs / 1000;
  return withWorld({ apiLatencyMs: o.apiLatencyMs, publishDelayMs: o.delayMs, pollIntervalS: pollS, signal: o.signal }, async (w) => {
    const samples: PropagationSample[] = [];
    for (let j = 0; j < o.phases; j++) {
      if (o.signal.aborted) break;
      const phi = ((j + 0.5) / o.phases - 0.5) * o.sweepMs;
      const delay = Math.max(0, Math.round(o.delayMs + phi));
      w.setPublishDelay(delay);
      const domain = `p${j}.example.test`;
      const value = token('prop');
      const { fqdn } = recordOf(domain);
      const r = await w.hook(o.strategy, 'auth', certbotEnv(`prop-${o.strategy}-${j}`, domain, value, 0));
      const last = r.code === 0 ? await w.lastPublish(fqdn, value, delay + 5000) : NaN;
      samples.push({ publishDelayMs: delay, overheadMs: r.exitedAtEpoch - last, hookMs: r.ms, code: r.code, stderr: r.stderr.trim() });
    }
    const ok = samples.filter((s) => s.code === 0 && Number.isFinite(s.overheadMs));
    const cell: PropagationCell = {
      strategy: o.strategy,
      delayMs: o.delayMs,
      pollMs: o.pollMs,
      sweepMs: o.sweepMs,
      samples,
      medianOverheadMs: median(ok.map((s) => s.overheadMs)),
      maxOverheadMs: max(ok.map((s) => s.overheadMs)),
      early: ok.filter((s) => s.overheadMs < 0).length,
      failed: samples.length - ok.length,
    };
    progress(`propagation: ${o.strategy} D=${o.delayMs / 1000} s${o.pollMs === undefined ? '' : ` P=${o.pollMs / 1000} s`}: median +${Math.round(cell.medianOverheadMs)} ms, worst +${Math.round(cell.maxOverheadMs)} ms`);
    return cell;
  });
}
