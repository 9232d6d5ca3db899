import fs from 'node:fs';

/**
 * TEST-ONLY crash points. Not configuration: never set these variables in production.
 *
 * `ACME_GODADDY_TEST_PAUSE_AT` is a comma list of points, each `name` (every time the process gets
 * there) or `name#n` (only the n-th time, counting from 1). When the process reaches a listed
 * point it appends `<pid> <point>\n` to the file named by `ACME_GODADDY_TEST_PAUSE_LOG` (if set) and
 * stops itself with SIGSTOP, right there, with whatever locks and half-written files it has at
 * that instant. The crash tests then SIGKILL it (a crash at exactly that point) or SIGCONT it (a
 * process that was merely slow). Unset, every `pausePoint` call is a no-op.
 *
 * The points, in the order a hook reaches them (see PAUSE_POINTS).
 */
export const PAUSE_POINTS = [
  // src/state/lock.ts
  'lock:tmp-ready', // own lock directory prepared, about to rename it into place
  'lock:judged-dead', // the holder was found dead, its owner file not yet removed
  'lock:reaped', // a dead holder's owner file removed, its directory not yet
  'lock:releasing', // own owner file removed, lock directory not yet
  // src/app/hooks.ts, phase 1 (ledger lock)
  'intent:locked', // ledger lock held, intent not yet written
  'intent:written', // intent written, ledger lock not yet released
  // src/state/store.ts, every ledger write
  'ledger:tmp-written', // temp file written and fsynced, not yet renamed over the ledger
  'ledger:renamed', // renamed, directory not yet fsynced
  // src/app/hooks.ts, phase 2 (writer lock)
  'writer:locked', // writer lock held, nothing read yet
  'writer:got', // RRset read from GoDaddy, nothing written yet
  'writer:put', // PUT/DELETE answered, not yet read back
  'writer:verified', // read back and verified, ledger not yet settled
  'settle:locked', // ledger lock held for the settle, nothing written
  'writer:settled', // ledger settled, writer lock not yet released
  'auth:synced', // auth: value live, writer lock released, before the propagation wait
] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

let spec: Array<{ name: string; nth: number | undefined }> | undefined;
const seen = new Map<string, number>();

export function pausePoint(point: PausePoint): void {
  if (spec === undefined) {
    const text = process.env['ACME_GODADDY_TEST_PAUSE_AT']?.trim() ?? '';
    spec = text === '' ? [] : text.split(',').map((item) => {
      const [name, nth] = item.trim().split('#');
      return { name: name ?? '', nth: nth === undefined ? undefined : Number(nth) };
    });
  }
  if (spec.length === 0) return;
  const count = (seen.get(point) ?? 0) + 1;
  seen.set(point, count);
  if (!spec.some((s) => s.name === point && (s.nth === undefined || s.nth === count))) return;
  const log = process.env['ACME_GODADDY_TEST_PAUSE_LOG'];
  if (log) fs.appendFileSync(log, `${process.pid} ${point}\n`);
  process.kill(process.pid, 'SIGSTOP');
}
