/**
 * Shared by the crash-*.test.ts files (the CI subset of issue #3's kill trials; `npm run stress`
 * runs the full set). Not a test file itself.
 *
 * The trials are split over several files because node's runner (Node 20, `--test-timeout` in
 * scripts/run-tests.mjs) bounds each *file* to 60 s, and a trial takes 2-5 s on a busy 2-core
 * machine (it starts 2-3 simulated certbots and 5-12 hook processes).
 */
import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { KILL_POINTS, killTrial, startWorld, type TrialReport, type Victim, type World } from '../support/crash-harness.js';

/** One-line summary of a trial, for t.diagnostic and assertion messages (with the seed to replay it). */
export function describeTrial(r: TrialReport): string {
  return `seed ${r.seed}: ${r.runs} runs, ${r.values} values, killed ${r.victim} at ${r.killedAt}, certbot ${r.then === 'continue' ? 'went on' : 'died with it'}; `
    + `reconcile right after the kill took ${r.nextHookMs ?? '-'} ms; ${r.valuesChecked} values checked ${r.checks} times; ${r.ms} ms`;
}

/** The checks every trial ends with (problems are collected by the harness: see killTrial/checkClean). */
export function assertTrial(r: TrialReport): void {
  assert.deepEqual(r.problems, [], describeTrial(r));
  // Every run's values were watched while live: the monitor is not vacuous.
  assert.ok(r.checks > 0 && r.valuesChecked > 0, `monitor checked nothing: ${describeTrial(r)}`);
  if (r.victimPid !== undefined) {
    // The next hook after the kill got through, and not by waiting out a lock timeout (30 s).
    assert.ok(r.nextHookMs !== undefined && r.nextHookMs < 15_000, `reconcile after the kill: ${describeTrial(r)}`);
  }
}

/** A world shared by the tests of one file (trials leave it clean, or fail). */
export function sharedWorld(seed: number): () => World {
  let world: World | undefined;
  test.before(async () => {
    world = await startWorld({ seed, apiLatencyMs: [2, 15] });
  });
  test.after(async () => {
    await world?.close();
  });
  return () => world!;
}

/**
 * Kills a hook at `point`. A point a hook may legitimately not reach (its write was done by another
 * hook's group commit; a cleanup never reaches auth:synced) is tried again with the next seeds,
 * up to 4 times: the test fails unless the point was really reached once.
 */
export async function pointTrial(t: TestContext, world: World, seed: number, point: string, then?: Victim['then']): Promise<TrialReport> {
  const victim: Partial<Victim> = { point };
  if (then) victim.then = then;
  // auth:synced and the writer points are reached by auths for sure; the rest by either.
  if (point === 'auth:synced' || point.startsWith('writer:') || point.startsWith('settle:')) victim.hook = 0;
  let report: TrialReport | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    report = await killTrial(world, seed + attempt * 7919, { victim });
    t.diagnostic(`${point}: ${describeTrial(report)}`);
    assertTrial(report);
    if (report.reached) break;
  }
  assert.ok(report!.reached, `kill point ${point} never reached in 4 trials`);
  return report!;
}

/** The kill points, split into `parts` groups of about the same size (one group per file). */
export function pointGroup(part: number, parts: number): string[] {
  return KILL_POINTS.filter((_, i) => i % parts === part);
}

/**
 * The body of each crash-kill-N.test.ts file: the kill points of group `part` (of `parts`), each
 * tried once (certbot going on and dying alternately), then `randomMoments` trials with a SIGKILL
 * at a random moment and `randomPoints` at a point the seed picks. Seeds are fixed per file, so a
 * failure replays with the seed printed in its message.
 */
export function killFile(part: number, parts: number,
  options: { randomMoments: number; randomPoints: number }): void {
  const seed0 = 1000 * (part + 1);
  const world = sharedWorld(seed0);
  pointGroup(part, parts).forEach((point, i) => {
    test(`SIGKILL at ${point}`, async (t) => {
      await pointTrial(t, world(), seed0 + i, point, i % 2 === 0 ? 'continue' : 'certbot-dies');
    });
  });
  for (let i = 0; i < options.randomMoments; i++) {
    test(`SIGKILL at a random moment (seed ${seed0 + 100 + i})`, async (t) => {
      const r = await killTrial(world(), seed0 + 100 + i, { victim: { point: undefined } });
      t.diagnostic(describeTrial(r));
      assertTrial(r);
    });
  }
  for (let i = 0; i < options.randomPoints; i++) {
    test(`SIGKILL at a point the seed picks (seed ${seed0 + 200 + i})`, async (t) => {
      const r = await killTrial(world(), seed0 + 200 + i, { victim: { point: KILL_POINTS[(seed0 + 200 + i) * 7 % KILL_POINTS.length] } });
      t.diagnostic(describeTrial(r));
      assertTrial(r);
    });
  }
}
