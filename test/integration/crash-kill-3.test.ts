// Issue #3, kill at any instant (CI subset, part 3 of 4): see crash-trials.ts and test/support/crash-harness.ts.
import { killFile } from './crash-trials.js';

killFile(2, 4, { randomMoments: 2, randomPoints: 1 });
