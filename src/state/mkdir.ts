import fs from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p` without Node's `{ recursive: true }`, which loops forever (busy, deaf to signals) on
 * paths it cannot create under pseudo file systems such as /proc. Walks up to the deepest existing
 * ancestor, then creates each missing component with a plain mkdir (mode `mode`, umask applies).
 * Throws the first error other than EEXIST (a concurrent creator), with its errno `code`.
 */
export function makeDirs(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    try {
      fs.statSync(cur);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.unshift(cur);
    if (path.dirname(cur) === cur) break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
