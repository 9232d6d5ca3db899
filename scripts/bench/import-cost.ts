// Cost of loading one module in a fresh process: `node import-cost.js <specifier>` prints
// {"ms":…,"baseKiB":…,"maxRssKiB":…} (import time, peak RSS before and after). Used by the cold
// start section to show where a hook's start-up goes (e.g. the HTTP client, undici).
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const spec = process.argv[2];
if (!spec) {
  process.stderr.write('usage: import-cost <module specifier or path>\n');
  process.exit(64);
}
const baseKiB = process.resourceUsage().maxRSS;
const t0 = performance.now();
await import(spec.startsWith('/') || spec.startsWith('.') ? pathToFileURL(path.resolve(spec)).href : spec);
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, baseKiB, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
