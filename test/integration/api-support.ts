/** Shared by the test/integration/api-*.test.ts files: a simulator world and request-log helpers. */
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { startSim, type Sim, type SimOptions, type SimRequest } from '../../src/sim/sim.js';
import { tmpDir } from '../support/cli.js';

export interface World {
  sim: Sim;
  stateDir: string;
  /** Hook environment: the simulator, this state dir, fast polling, no propagation wait needed. */
  env: Record<string, string>;
  /** Calls `fn` after every API response the simulator sends (replacing an earlier tap). */
  tap(fn: ((request: SimRequest) => void) | undefined): void;
}

/** Nameservers that publish quickly: these tests are about the API, not propagation. */
export const FAST_NAMESERVERS = [
  { name: 'ns1.domaincontrol.test', address: '127.0.0.2', delayMs: 50 },
  { name: 'ns2.domaincontrol.test', address: '127.0.0.3', delayMs: 100 },
];

export async function world(t: TestContext, opts: SimOptions = {}): Promise<World> {
  let tapped: ((request: SimRequest) => void) | undefined;
  const sim = await startSim({ nameservers: FAST_NAMESERVERS, onRequest: (r) => tapped?.(r), ...opts });
  t.after(() => sim.close());
  const stateDir = path.join(tmpDir(t, 'agd-api-'), 'state');
  return {
    sim,
    stateDir,
    env: { ...sim.env(), ACME_GODADDY_STATE_DIR: stateDir, ACME_GODADDY_POLL_INTERVAL: '0.1', ACME_GODADDY_PROPAGATION_TIMEOUT: '20' },
    tap: (fn) => {
      tapped = fn;
    },
  };
}

/** `METHOD /decoded/path STATUS` for the requests from index `from` on. */
export function lines(requests: readonly SimRequest[], from = 0): string[] {
  return requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.path)} ${r.status}`);
}

/** Every file under `dir` (recursively) with its contents, for leak checks. */
export function filesUnder(dir: string): Array<{ file: string; text: string }> {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String)
    .map((rel) => path.join(dir, rel))
    .filter((file) => fs.statSync(file).isFile())
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

/**
 * The largest number of requests to one route (method + template) inside any window of
 * `windowMs`, as the simulator saw them arrive.
 */
export function maxInWindow(requests: readonly SimRequest[], windowMs: number): { route: string; count: number } {
  let best = { route: '', count: 0 };
  const byRoute = new Map<string, number[]>();
  for (const r of requests) {
    const key = `${r.route}`;
    byRoute.set(key, [...(byRoute.get(key) ?? []), r.at]);
  }
  for (const [route, times] of byRoute) {
    times.sort((a, b) => a - b);
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! >= windowMs) lo++;
      if (hi - lo + 1 > best.count) best = { route, count: hi - lo + 1 };
    }
  }
  return best;
}
