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
 * time name the run, and its death ends the run. The walk includes PID 1: in a container certbot
 * is often PID 1 itself. `ACME_GODADDY_RUN_ID` overrides (other clients, wrappers); without a
 * certbot ancestor the run is the parent process and ends by expiry only, because a short-lived
 * parent (a dehydrated hook script) says nothing about the run's end. A hook whose parent is PID 1
 * without being certbot was orphaned (its parent died and init adopted it), or was started by
 * init itself: PID 1 says nothing about which run it serves, so it gets a run of its own
 * (`orphan:<pid>:<start>`, ending by expiry), never one shared by every orphan as `ppid:1` would be.
 */
export function currentOwner(env: Readonly<Record<string, string | undefined>>, procRoot = '/proc', selfPid = process.pid): Owner {
  const host = os.hostname();
  const explicit = env['ACME_GODADDY_RUN_ID']?.trim();
  if (explicit) return { run: `id:${explicit}`, host };
  const self = readProc(selfPid, procRoot);
  const parent = self?.ppid ?? process.ppid;
  let pid = parent;
  for (let depth = 0; depth < 8 && pid >= 1; depth++) {
    const info = readProc(pid, procRoot);
    if (!info) break;
    if (isCertbot(info.argv)) {
      return { run: `certbot:${info.pid}:${info.start}`, host, pid: info.pid, start: info.start, ...machine(procRoot) };
    }
    if (pid === 1) break; // the root of the tree (its ppid is 0)
    pid = info.ppid;
  }
  if (parent <= 1) return { run: `orphan:${selfPid}:${self?.start ?? '?'}`, host };
  return { run: `ppid:${parent}:${readProc(parent, procRoot)?.start ?? '?'}`, host };
}

/**
 * Is the run that owns an entry over? Only answerable for owners with a PID on this host; for the
 * rest the caller relies on expiry.
 */
export function isOwnerGone(owner: Owner, procRoot = '/proc'): boolean {
  if (owner.pid === undefined) return false;
  return processState({ ...owner, pid: owner.pid }, procRoot) === 'gone';
}

/** A process as other processes can recognise it later: PID plus what makes the PID unambiguous. */
export interface ProcessRef {
  pid: number;
  /** Kernel start time (/proc/PID/stat field 22): a reused PID has another one. */
  start?: string | undefined;
  host: string;
  /** /proc/sys/kernel/random/boot_id: a PID from before a reboot names nothing now. */
  boot?: string | undefined;
  /** The PID namespace (`readlink /proc/self/ns/pid`): PIDs of another container mean nothing here. */
  pidns?: string | undefined;
}

/** This process, for lock owner files. */
export function selfRef(procRoot = '/proc'): ProcessRef {
  return { pid: process.pid, start: readProc(process.pid, procRoot)?.start, host: os.hostname(), ...machine(procRoot) };
}

/**
 * `gone` when the process is certainly dead (same host, same boot, same PID namespace, and no
 * process with that PID and start time), `alive` when it certainly runs, `unknown` when it cannot
 * be observed from here (another host or container): callers then fall back to time limits.
 */
export function processState(ref: ProcessRef, procRoot = '/proc'): 'alive' | 'gone' | 'unknown' {
  if (ref.host !== os.hostname()) return 'unknown';
  const here = machine(procRoot);
  if (ref.pidns !== undefined && here.pidns !== undefined && ref.pidns !== here.pidns) {
    // Another container with the same host name; but a different boot means it cannot be running.
    return ref.boot !== undefined && here.boot !== undefined && ref.boot !== here.boot ? 'gone' : 'unknown';
  }
  if (ref.boot !== undefined && here.boot !== undefined && ref.boot !== here.boot) return 'gone';
  const info = readProc(ref.pid, procRoot);
  if (info) return ref.start !== undefined && info.start !== ref.start ? 'gone' : 'alive';
  if (fs.existsSync(procRoot)) return 'gone';
  try {
    process.kill(ref.pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
}

let machineCache: { root: string; value: { boot?: string; pidns?: string } } | undefined;

/** Boot id and PID namespace of this machine/container (absent where /proc does not have them). */
function machine(procRoot: string): { boot?: string; pidns?: string } {
  if (machineCache?.root === procRoot) return machineCache.value;
  const value: { boot?: string; pidns?: string } = {};
  try {
    value.boot = fs.readFileSync(`${procRoot}/sys/kernel/random/boot_id`, 'utf8').trim();
  } catch {
    // not Linux
  }
  try {
    value.pidns = fs.readlinkSync(`${procRoot}/self/ns/pid`);
  } catch {
    // not Linux, or no permission
  }
  machineCache = { root: procRoot, value };
  return value;
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
