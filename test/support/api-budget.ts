/**
 * Checks the GoDaddy API traffic of a hook run (the simulator's request log) against the budget the
 * CLI promises: per value, one read-modify-write to add it (at most GET + PUT + read-back GET) and
 * one to remove it; only per-name TXT paths; never `PUT []`; no error statuses on a clean run.
 */
import type { SimRequest } from '../../src/sim/types.js';

/** Request and value counts for one RRset path (`/v1/domains/{d}/records/TXT/{name}`). */
export interface PathTraffic {
  gets: number;
  puts: number;
  deletes: number;
  /** Values this traffic added, in order. */
  added: string[];
  /** Values this traffic removed, in order. */
  removed: string[];
  /** Methods in order, e.g. `GET PUT GET GET PUT GET`. */
  sequence: string[];
}

export interface BudgetReport {
  readonly paths: ReadonlyMap<string, PathTraffic>;
  /** Requests outside the per-name TXT routes (e.g. a domain lookup), as `METHOD path`. */
  readonly other: readonly string[];
  /** Everything that breaks the budget; empty when it holds. */
  readonly violations: readonly string[];
  /** One line for t.diagnostic. */
  summary(): string;
}

const PER_NAME_TXT = /^\/v1\/domains\/[^/]+\/records\/TXT\/[^/]+$/;
const WITHOUT_NAME = /^\/v1\/domains\/[^/]+\/records(\/[^/]+)?\/?$/;

/**
 * @param requests the slice of the simulator's request log produced by the runs under test
 * @param before   TXT values each RRset path held before the runs (paths not listed: none)
 */
export function checkApiBudget(
  requests: readonly SimRequest[],
  before: ReadonlyMap<string, readonly string[]>,
): BudgetReport {
  const violations: string[] = [];
  const other: string[] = [];
  const paths = new Map<string, PathTraffic>();
  const state = new Map<string, string[]>();
  const timesAdded = new Map<string, number>();

  for (const req of [...requests].sort((a, b) => a.at - b.at)) {
    const label = `${req.method} ${req.path}`;
    if (req.status >= 400 || req.status === 0) violations.push(`${label} answered ${req.status}`);
    if (WITHOUT_NAME.test(req.path)) {
      violations.push(`${label}: a request on a whole zone or type, without a name`);
      continue;
    }
    if (!PER_NAME_TXT.test(req.path)) {
      other.push(label);
      continue;
    }
    let traffic = paths.get(req.path);
    if (traffic === undefined) {
      traffic = { gets: 0, puts: 0, deletes: 0, added: [], removed: [], sequence: [] };
      paths.set(req.path, traffic);
    }
    traffic.sequence.push(req.method);
    const previous = state.get(req.path) ?? [...(before.get(req.path) ?? [])];
    let next: string[] | undefined;
    if (req.method === 'GET') traffic.gets++;
    else if (req.method === 'PUT') {
      traffic.puts++;
      next = putValues(req.body);
      if (next === undefined) violations.push(`${label}: body is not an array of records`);
      else if (next.length === 0) violations.push(`${label}: PUT with an empty array`);
    } else if (req.method === 'DELETE') {
      traffic.deletes++;
      next = [];
      if (previous.length === 0) violations.push(`${label}: DELETE of an empty RRset`);
    } else violations.push(`${label}: unexpected method`);
    if (next === undefined || req.status >= 300) continue;
    for (const v of next.filter((x) => !previous.includes(x))) {
      traffic.added.push(v);
      timesAdded.set(v, (timesAdded.get(v) ?? 0) + 1);
    }
    traffic.removed.push(...previous.filter((x) => !next.includes(x)));
    state.set(req.path, next);
  }

  for (const [v, n] of timesAdded) if (n > 1) violations.push(`value ${v} was added ${n} times`);
  for (const [path, t] of paths) {
    for (const v of t.removed) {
      if ((before.get(path) ?? []).includes(v)) violations.push(`${path}: pre-existing value ${v} was removed`);
    }
    // Between two writes on one RRset there may be the read-back of the first and the read of the
    // second; before the first write only its read; after the last write only its read-back.
    const runs = t.sequence.join(' ').split(/PUT|DELETE/).map((s) => s.trim().split(/\s+/).filter(Boolean).length);
    runs.forEach((n, i) => {
      const max = i === 0 || i === runs.length - 1 ? 1 : 2;
      if (n > max) violations.push(`${path}: ${n} GETs in a row (at most ${max} here): ${t.sequence.join(' ')}`);
    });
    const writes = t.puts + t.deletes;
    if (writes > 2 * t.added.length) {
      violations.push(`${path}: ${writes} writes for ${t.added.length} added value(s) (at most 2 per value)`);
    }
  }

  return {
    paths,
    other,
    violations,
    summary: () =>
      [...paths]
        .map(([p, t]) => `${p.replace(/^\/v1\/domains\//, '')}: ${t.gets} GET ${t.puts} PUT ${t.deletes} DELETE for ${t.added.length} value(s)`)
        .concat(other.length > 0 ? [`other: ${other.join(', ')}`] : [])
        .join('; '),
  };
}

function putValues(body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const values: string[] = [];
  for (const r of body) {
    const data = (r as { data?: unknown } | null)?.data;
    if (typeof data !== 'string') return undefined;
    values.push(data);
  }
  return values;
}
