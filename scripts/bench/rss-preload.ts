// Preloaded with `node --import` (fallback RSS probe, see proc.ts): at exit, writes the peak RSS
// of this process in KiB (getrusage ru_maxrss via process.resourceUsage) to $BENCH_RSS_OUT.
import { writeFileSync } from 'node:fs';

const out = process.env['BENCH_RSS_OUT'];
if (out) {
  process.on('exit', () => {
    try {
      writeFileSync(out, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // nothing to report to
    }
  });
}
