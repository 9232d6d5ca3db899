// Child process for the lock test: enters the critical section `rounds` times; inside, it claims a
// marker file with O_EXCL. A second holder at the same time would find the marker there.
import fs from 'node:fs';
import { withLock } from '../../src/state/lock.js';

const [base, marker, roundsText, holdText] = process.argv.slice(2);
let overlaps = 0;
let maxWaitMs = 0;
for (let i = 0; i < Number(roundsText); i++) {
  const asked = Date.now();
  await withLock(base!, { timeoutMs: 30_000 }, async () => {
    maxWaitMs = Math.max(maxWaitMs, Date.now() - asked);
    try {
      fs.writeFileSync(marker!, String(process.pid), { flag: 'wx' });
    } catch {
      overlaps++;
      return;
    }
    await new Promise((r) => setTimeout(r, Number(holdText)));
    fs.unlinkSync(marker!);
  });
}
process.stdout.write(JSON.stringify({ overlaps, maxWaitMs }));
