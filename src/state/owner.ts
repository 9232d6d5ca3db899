import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Owner } from '../domain/ledger.js';

interface ProcInfo {
  pid: number;
  ppid: number;
  start: string;
  argv: string[];
}

/**
 * Identifies the ACME client run this hook belongs to. certbot runs hooks as `/bin/sh -c <hook>`,
 * so we walk up the process tree (Linux /proc) to the certbot process: its PID and kernel start
 * time name the run, and its death ends the run. `ACME_GODADDY_RUN_ID` overrides (other clients,
 * wrappers); without a certbot ancestor the run is the parent process and ends by expiry only,
 * because a short-lived parent (a dehydrated hook script) says nothing about the run's end.
 */
export function currentOwner(env: Readonly<Record<string, string | undefined>>, procRoot = '/proc'): Owner {
  const host = os.hostname();
  const explicit = env['ACME_GODADDY_RUN_ID']?.trim();
  if (explicit) return { run: `id:${explicit}`, host };
  let pid = process.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = readProc(pid, procRoot);
    if (!info) break;
    if (isCertbot(info.argv)) return { run: `certbot:${info.pid}:${info.start}`, host, pid: info.pid, start: info.start };
    pid = info.ppid;
  }
  return { run: `ppid:${process.ppid}:${readProc(process.ppid, procRoot)?.start ?? '?'}`, host };
}

/**
 * Is the run that owns an entry over? Only answerable for owners with a PID on this host; for the
 * rest the caller relies on expiry.
 */
export function isOwnerGone(owner: Owner, procRoot = '/proc'): boolean {
  if (owner.pid === undefined || owner.host !== os.hostname()) return false;
  const info = readProc(owner.pid, procRoot);
  if (info) return owner.start !== undefined && info.start !== owner.start;
  if (fs.existsSync(procRoot)) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isCertbot(argv: string[]): boolean {
  const first = path.basename(argv[0] ?? '');
  const second = path.basename(argv[1] ?? '');
  if (first === 'certbot' || first.startsWith('certbot-')) return true;
  if (/^python[0-9.]*$/.test(first)) {
    return second === 'certbot' || (argv[1] === '-m' && argv[2] === 'certbot');
  }
  return false;
}

function readProc(pid: number, procRoot: string): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: parse after the last ")".
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const start = rest[19] ?? '';
    const argv = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid, start, argv };
  } catch {
    return undefined;
  }
}
