// Turns the section results into the one table `npm run bench` prints and the target verdicts.

import type { ColdResult } from './cold.js';
import type { ContentionCell } from './contention.js';
import type { FlowCell } from './flow.js';
import type { PropagationCell } from './propagation.js';
import { fmtMs, fmtRatio, fmtS, ratio } from './util.js';
import { FIXED_SLEEP_S, type Strategy } from './world.js';

export interface Results {
  cold?: ColdResult;
  contention?: ContentionCell[];
  propagation?: PropagationCell[];
  flow?: FlowCell[];
}

export interface Row {
  section?: string;
  figure: string;
  us: string;
  naive: string;
  careful: string;
  fixed: string;
  ratioA: string;
  ratioB: string;
  ratioC: string;
  target: string;
  met: string;
}

export interface Target {
  id: string;
  text: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

const MB = 1_000_000;
const kibToMb = (kib: number): number => (kib * 1024) / MB;
const fmtMb = (kib: number): string => (Number.isFinite(kib) ? `${kibToMb(kib).toFixed(1)} MB` : '–');
const yes = (b: boolean | null): string => (b === null ? 'n/a' : b ? 'MET' : 'NOT MET');

function row(figure: string, cells: Partial<Omit<Row, 'figure'>>): Row {
  return { figure, us: '', naive: '', careful: '', fixed: '', ratioA: '', ratioB: '', ratioC: '', target: '', met: '', ...cells };
}

export function buildReport(r: Results, cfg: { flowDelayMs: number; flowZones: number; flowPollS: number; targetFlowDelayMs: number }): { rows: Row[]; targets: Target[] } {
  const rows: Row[] = [];
  const targets: Target[] = [];

  if (r.cold) {
    const c = r.cold;
    const m = c.medianMs;
    const authX = ratio(m.usAuth, m.bare);
    rows.push({ ...row('', {}), section: `COLD START — median wall time of ${c.rounds} interleaved runs each; baselines: write only; peak RSS = max of ${c.rssMethod === 'gnu-time' ? '/usr/bin/time %M (ru_maxrss)' : 'maxRSS from a --import preload'} over the runs` });
    rows.push(row("bare node -e ''", { us: fmtMs(m.bare) }));
    rows.push(row('--version', { us: `${fmtMs(m.version)} (${fmtRatio(ratio(m.version, m.bare))} bare)` }));
    rows.push(row('  start-up change (#7.3): --version after / before', {
      us: `${fmtMs(m.version)} / ${fmtMs(m.versionBefore)} (${fmtRatio(ratio(m.version, m.versionBefore))})`,
    }));
    rows.push(row('  start-up change (#7.3): auth after / before', {
      us: `${fmtMs(m.usAuth)} / ${fmtMs(m.usAuthBefore)} (${fmtRatio(ratio(m.usAuth, m.usAuthBefore))})`,
    }));
    const authMet = authX <= 2;
    rows.push(row('auth, nothing to wait for (remaining 1)', {
      us: `${fmtMs(m.usAuth)} (${fmtRatio(authX)} bare)`, naive: fmtMs(m.naiveAuth), careful: fmtMs(m.carefulAuth),
      ratioA: fmtRatio(ratio(m.usAuth, m.naiveAuth)), ratioB: fmtRatio(ratio(m.usAuth, m.carefulAuth)),
      target: '≤ 2× bare node', met: yes(authMet),
    }));
    rows.push(row('cleanup', {
      us: `${fmtMs(m.usCleanup)} (${fmtRatio(ratio(m.usCleanup, m.bare))} bare)`,
    }));
    targets.push({ id: 'cold-start', text: 'cold start (auth, remaining 1) ≤ 2× bare node', measured: `${fmtRatio(authX)} (${fmtMs(m.usAuth)} vs ${fmtMs(m.bare)})`, met: authMet });

    const pick = (key: string): number => {
      const k = c.rss[key];
      if (!k) return NaN;
      return Math.max(...(c.rssMethod === 'gnu-time' ? k.gnuTimeKiB : k.preloadKiB));
    };
    const rssMet = kibToMb(c.peakHookKiB) <= 60;
    rows.push(row('peak RSS of a hook process (auth, auth+wait, cleanup)', {
      us: fmtMb(c.peakHookKiB), naive: fmtMb(pick('naiveAuth')), careful: fmtMb(pick('carefulAuth')),
      ratioA: fmtRatio(ratio(c.peakHookKiB, pick('naiveAuth'))), ratioB: fmtRatio(ratio(c.peakHookKiB, pick('carefulAuth'))),
      target: '≤ 60 MB', met: yes(rssMet),
    }));
    rows.push(row('  RSS: bare node / --version / auth / auth+wait / cleanup', {
      us: ['bare', 'version', 'usAuth', 'usAuthWait', 'usCleanup'].map((k) => kibToMb(pick(k)).toFixed(1)).join(' / ') + ' MB',
    }));
    rows.push(row('  start-up change (#7.3): RSS auth after / before', {
      us: `${fmtMb(pick('usAuth'))} / ${fmtMb(pick('usAuthBefore'))} (${fmtRatio(ratio(pick('usAuth'), pick('usAuthBefore')))})`,
    }));
    rows.push(row('  start-up change (#7.3): RSS --version after / before', {
      us: `${fmtMb(pick('version'))} / ${fmtMb(pick('versionBefore'))}`,
    }));
    for (const imp of c.imports ?? []) {
      rows.push(row(`  import cost in a fresh process: ${imp.module}`, { us: `${fmtMs(imp.ms)}, +${fmtMb(imp.addedKiB)} peak RSS` }));
    }
    if (c.failures.length > 0) {
      rows.push(row(`  hook runs that FAILED in this section: ${c.failures.length}`, { us: c.failures[0]!.slice(0, 60) }));
    }
    targets.push({ id: 'rss', text: 'peak RSS of a hook process ≤ 60 MB', measured: fmtMb(c.peakHookKiB), met: rssMet });
  }

  if (r.contention && r.contention.length > 0) {
    const cells = r.contention;
    const get = (layout: string, k: number, s: Strategy): ContentionCell | undefined => cells.find((c) => c.layout === layout && c.k === k && c.strategy === s);
    const reps = [...new Set(cells.map((c) => c.runs.length))].join('/');
    rows.push({ ...row('', {}), section: `CONTENTION — K concurrent auths (remaining 1, own run id each; K=1 once, on one name); where shown, then the K cleanups at once; API latency 20 ms; median of ${reps} run(s); baselines: write path only` });
    for (const layout of [...new Set(cells.map((c) => c.layout))]) {
      for (const k of [...new Set(cells.filter((c) => c.layout === layout).map((c) => c.k))]) {
        const [u, a, b] = (['us', 'naive', 'careful'] as const).map((s) => get(layout, k, s));
        const label = `K=${k} ${layout}`;
        rows.push(row(`${label}: auth wall time`, {
          us: fmtMs(u?.authWallMs ?? NaN), naive: fmtMs(a?.authWallMs ?? NaN), careful: fmtMs(b?.authWallMs ?? NaN),
          ratioA: fmtRatio(ratio(u?.authWallMs ?? NaN, a?.authWallMs ?? NaN)), ratioB: fmtRatio(ratio(u?.authWallMs ?? NaN, b?.authWallMs ?? NaN)),
        }));
        const reqs = (c?: ContentionCell): string => (c ? `${c.requestsPerValue.toFixed(2)} / ${c.putsPerValue.toFixed(2)} (${c.puts})` : '–');
        const putTarget = layout === 'one name' && k === 32;
        const putMet = putTarget && u ? u.puts <= 8 : null;
        rows.push(row(`${label}: API requests / PUTs per value (PUTs)`, {
          us: reqs(u), naive: reqs(a), careful: reqs(b),
          ratioA: fmtRatio(ratio(u?.puts ?? NaN, a?.puts ?? NaN)), ratioB: fmtRatio(ratio(u?.puts ?? NaN, b?.puts ?? NaN)),
          ...(putTarget ? { target: '≤ 8 PUTs', met: yes(putMet) } : {}),
        }));
        const liveCell = (c?: ContentionCell): string => (c ? `${c.allLive ? 'yes' : 'NO'} ${c.live}/${k}${c.failedHooks ? ` (${c.failedHooks} hooks failed)` : ''}` : '–');
        rows.push(row(`${label}: all values live at once`, {
          us: liveCell(u), naive: liveCell(a), careful: liveCell(b),
          ...(putTarget ? { target: 'all live', met: yes(u ? u.allLive : null) } : {}),
        }));
        if (u?.cleanupWallMs !== undefined) {
          const clean = (c?: ContentionCell): string => (c?.cleanupWallMs !== undefined
            ? `${fmtMs(c.cleanupWallMs)}, ${c.cleanupWritesPerValue!.toFixed(2)} w/v, ${c.leftBehind} left` : '–');
          rows.push(row(`${label}: cleanups: wall, writes/value, values left`, {
            us: clean(u), naive: clean(a), careful: clean(b),
            ratioA: fmtRatio(ratio(u.cleanupWallMs, a?.cleanupWallMs ?? NaN)), ratioB: fmtRatio(ratio(u.cleanupWallMs, b?.cleanupWallMs ?? NaN)),
          }));
        }
        if (putTarget && u) {
          targets.push({ id: 'k32-puts', text: 'K=32 concurrent auths on one name: ≤ 8 PUTs and all 32 values live', measured: `${u.puts} PUTs, ${u.live}/32 live`, met: u.puts <= 8 && u.allLive });
        }
      }
    }
  }

  if (r.propagation && r.propagation.length > 0) {
    const cells = r.propagation;
    rows.push({ ...row('', {}), section: 'PROPAGATION — one auth that waits (remaining 0): hook exit minus the last nameserver\'s publish, median / worst over publish delays D+φ (φ spread evenly over one poll interval); negative = returned before every server served it. Baselines have fixed intervals: one sweep per D (over 2 s), shown in both poll rows' });
    const base = (s: Strategy, d: number): PropagationCell | undefined => cells.find((c) => c.strategy === s && c.delayMs === d);
    const fmtCell = (c?: PropagationCell): string => {
      if (!c) return '–';
      const bad = [c.early ? `${c.early} EARLY` : '', c.failed ? `${c.failed} failed` : ''].filter(Boolean).join(', ');
      return `${fmtS(c.medianOverheadMs)} / ${fmtS(c.maxOverheadMs)}${bad ? ` (${bad})` : ''}`;
    };
    let allMet = true;
    const measured: string[] = [];
    for (const u of cells.filter((c) => c.strategy === 'us')) {
      const a = base('naive', u.delayMs);
      const b = base('careful', u.delayMs);
      const c = base('fixed', u.delayMs);
      const limit = (u.pollMs ?? 0) + 200;
      const met = u.failed === 0 && u.early === 0 && u.maxOverheadMs <= limit;
      allMet &&= met;
      measured.push(`D=${u.delayMs / 1000} P=${(u.pollMs ?? 0) / 1000}: worst ${fmtS(u.maxOverheadMs)}`);
      rows.push(row(`D=${u.delayMs / 1000} s, poll ${(u.pollMs ?? 0) / 1000} s (n=${u.samples.length}/${a?.samples.length ?? 0}/${b?.samples.length ?? 0}/${c?.samples.length ?? 0})`, {
        us: fmtCell(u), naive: fmtCell(a), careful: fmtCell(b), fixed: fmtCell(c),
        ratioA: fmtRatio(ratio(u.medianOverheadMs, a?.medianOverheadMs ?? NaN)), ratioB: fmtRatio(ratio(u.medianOverheadMs, b?.medianOverheadMs ?? NaN)),
        ratioC: fmtRatio(ratio(u.medianOverheadMs, c?.medianOverheadMs ?? NaN)),
        target: `worst ≤ ${fmtS(limit)}`, met: yes(met),
      }));
    }
    targets.push({ id: 'propagation', text: 'propagation overhead ≤ 1 poll interval + 0.2 s (worst case)', measured: measured.join('; '), met: allMet });
  }

  if (r.flow && r.flow.length > 0) {
    const get = (s: Strategy): FlowCell | undefined => r.flow!.find((c) => c.strategy === s && (s !== 'us' || c.pollIntervalS === cfg.flowPollS));
    const [u, a, b, f] = (['us', 'naive', 'careful', 'fixed'] as const).map(get);
    const fast = r.flow.find((c) => c.strategy === 'us' && c.pollIntervalS !== cfg.flowPollS);
    const names = u?.names ?? a?.names ?? 0;
    const d = cfg.flowDelayMs;
    const isTarget = d === cfg.targetFlowDelayMs && cfg.flowZones === 5;
    rows.push({ ...row('', {}), section: `CERTIFICATE FLOW — ${names} names (${cfg.flowZones} zone(s) × apex + wildcard), hooks in certbot's order, publish delay D = ${d / 1000} s, API latency 20 ms; acme-godaddy at its default poll interval (${cfg.flowPollS} s) unless said; n = ${u?.runs.length ?? 0}/${a?.runs.length ?? 0}/${b?.runs.length ?? 0}/${f?.runs.length ?? 0}` });
    const authRow = (label: string, c: FlowCell | undefined): boolean | null => {
      const met = c ? c.authMs <= d + 1000 : null;
      rows.push(row(label, {
        us: fmtS(c?.authMs ?? NaN), naive: fmtS(a?.authMs ?? NaN), careful: fmtS(b?.authMs ?? NaN), fixed: fmtS(f?.authMs ?? NaN),
        ratioA: fmtRatio(ratio(c?.authMs ?? NaN, a?.authMs ?? NaN)), ratioB: fmtRatio(ratio(c?.authMs ?? NaN, b?.authMs ?? NaN)),
        ratioC: fmtRatio(ratio(c?.authMs ?? NaN, f?.authMs ?? NaN)),
        target: '≤ D + 1 s (#5)', met: yes(isTarget ? met : null),
      }));
      return met;
    };
    const authMet = authRow('auth hooks, sum (certbot waits for these)', u);
    const fastMet = fast ? authRow(`auth hooks, sum, acme-godaddy with poll ${fast.pollIntervalS} s`, fast) : null;
    // The wait alone: acme-godaddy's last auth (remaining 0) holds the run's one propagation wait;
    // the baselines wait in every auth, so their last one is one wait of many.
    const lastRow = (label: string, c: FlowCell | undefined): boolean | null => {
      const met = c ? c.lastAuthMs <= d + 1000 : null;
      rows.push(row(label, {
        us: fmtS(c?.lastAuthMs ?? NaN), naive: fmtS(a?.lastAuthMs ?? NaN), careful: fmtS(b?.lastAuthMs ?? NaN), fixed: fmtS(f?.lastAuthMs ?? NaN),
        target: '≤ D + 1 s (wait only)', met: yes(isTarget ? met : null),
      }));
      return met;
    };
    const lastMet = lastRow('last auth hook alone (remaining 0: the wait)', u);
    const fastLastMet = fast ? lastRow(`last auth hook alone, acme-godaddy with poll ${fast.pollIntervalS} s`, fast) : null;
    const totalRow = (label: string, c: FlowCell | undefined): number => {
      const speedup = ratio(a?.totalMs ?? NaN, c?.totalMs ?? NaN);
      rows.push(row(label, {
        us: fmtS(c?.totalMs ?? NaN), naive: fmtS(a?.totalMs ?? NaN), careful: fmtS(b?.totalMs ?? NaN), fixed: fmtS(f?.totalMs ?? NaN),
        ratioA: fmtRatio(ratio(c?.totalMs ?? NaN, a?.totalMs ?? NaN)), ratioB: fmtRatio(ratio(c?.totalMs ?? NaN, b?.totalMs ?? NaN)),
        ratioC: fmtRatio(ratio(c?.totalMs ?? NaN, f?.totalMs ?? NaN)),
        target: '≥ 8× faster than (a)', met: yes(isTarget ? speedup >= 8 : null),
      }));
      return speedup;
    };
    const speedup = totalRow('total hook time (auths + cleanups)', u);
    const fastSpeedup = fast ? totalRow(`total hook time, acme-godaddy with poll ${fast.pollIntervalS} s`, fast) : NaN;
    const traffic = (c?: FlowCell): string => (c ? `${c.requests} / ${c.writes}` : '–');
    rows.push(row('API requests / writes', {
      us: traffic(u), naive: traffic(a), careful: traffic(b), fixed: traffic(f),
      ratioA: fmtRatio(ratio(u?.requests ?? NaN, a?.requests ?? NaN)), ratioB: fmtRatio(ratio(u?.requests ?? NaN, b?.requests ?? NaN)),
    }));
    const ok = (c?: FlowCell): string => (c ? `${c.allServed ? 'yes' : 'NO'}; ${c.leftBehind} left${c.failedHooks ? `; ${c.failedHooks} hooks failed` : ''}` : '–');
    rows.push(row('every value on every NS at last auth; left after',  { us: ok(u), naive: ok(a), careful: ok(b), fixed: ok(f) }));
    const quickNote = isTarget ? {} : { note: 'quick run: not the target configuration' };
    targets.push({
      id: 'flow-speedup', text: `10-name flow ≥ 8× faster than baseline (a) at D = ${cfg.targetFlowDelayMs / 1000} s`,
      measured: `${fmtRatio(speedup)} at the default poll ${cfg.flowPollS} s (${fmtS(u?.totalMs ?? NaN)} vs ${fmtS(a?.totalMs ?? NaN)})`
        + (fast ? `; ${fmtRatio(fastSpeedup)} with poll ${fast.pollIntervalS} s` : ''),
      met: isTarget ? speedup >= 8 : null,
      ...quickNote,
    });
    targets.push({
      id: 'flow-within-d-plus-1', text: '(#5) 10-name flow: the sum of the auth hooks ≤ D + 1 s',
      measured: `${fmtS(u?.authMs ?? NaN)} at D = ${d / 1000} s, poll ${cfg.flowPollS} s${fast ? `; ${fmtS(fast.authMs)} with poll ${fast.pollIntervalS} s (${yes(fastMet)})` : ''}`,
      met: isTarget ? authMet : null,
      ...quickNote,
    });
    targets.push({
      id: 'flow-wait-within-d-plus-1', text: '(#5, weaker reading) 10-name flow: the one wait (last auth hook) ≤ D + 1 s',
      measured: `${fmtS(u?.lastAuthMs ?? NaN)} at poll ${cfg.flowPollS} s${fast ? `; ${fmtS(fast.lastAuthMs)} with poll ${fast.pollIntervalS} s (${yes(fastLastMet)})` : ''}`,
      met: isTarget ? lastMet : null,
      ...quickNote,
    });
  }
  return { rows, targets };
}

const headers = (): Row => ({
  figure: 'figure', us: 'acme-godaddy', naive: '(a) naive', careful: '(b) careful', fixed: `(c) sleep ${FIXED_SLEEP_S} s`,
  ratioA: 'us/(a)', ratioB: 'us/(b)', ratioC: 'us/(c)', target: 'target', met: 'met',
});
const COLS: Array<keyof Omit<Row, 'section'>> = ['figure', 'us', 'naive', 'careful', 'fixed', 'ratioA', 'ratioB', 'ratioC', 'target', 'met'];

export function renderTable(rows: readonly Row[], targets: readonly Target[]): string {
  const HEADERS = headers();
  const body = rows.filter((r) => r.section === undefined);
  const widths = COLS.map((c) => Math.max(HEADERS[c].length, ...body.map((r) => r[c].length)));
  const line = (r: Row): string => COLS.map((c, i) => r[c].padEnd(widths[i]!)).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out: string[] = [line(HEADERS), rule];
  for (const r of rows) {
    if (r.section !== undefined) {
      out.push(`${out.length > 2 ? '\n' : ''}${r.section}`);
      continue;
    }
    out.push(line(r));
  }
  out.push('', 'TARGETS');
  for (const t of targets) out.push(`  [${yes(t.met).padEnd(7)}] ${t.text}: ${t.measured}${t.note ? ` (${t.note})` : ''}`);
  return `${out.join('\n')}\n`;
}
