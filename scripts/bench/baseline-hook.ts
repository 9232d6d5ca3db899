// Entry point of a baseline hook process: `node baseline-hook.js naive|careful|fixed auth|cleanup`,
// with certbot's CERTBOT_* variables and the same GODADDY_* / ACME_GODADDY_* environment the real
// CLI gets. Prints nothing on success; one line and exit 1 on failure. See baselines.ts.

import { baselineAuth, baselineCleanup, readBaselineEnv, type BaselineName } from './baselines.js';

const [which, command] = process.argv.slice(2);
try {
  if ((which !== 'naive' && which !== 'careful' && which !== 'fixed') || (command !== 'auth' && command !== 'cleanup')) {
    throw new Error('usage: baseline-hook naive|careful|fixed auth|cleanup');
  }
  const env = readBaselineEnv(process.env);
  if (command === 'auth') await baselineAuth(which as BaselineName, env);
  else await baselineCleanup(env);
} catch (err) {
  process.stderr.write(`baseline ${which ?? '?'} ${command ?? '?'}: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
