// A stand-in for one certbot process in the crash and stress tests. Started with argv[0] =
// "certbot", so the hooks it runs find a certbot ancestor (src/state/owner.ts) and belong to its
// run, exactly as under real certbot: when this process dies, the run is over and its values are
// stale. It runs hook commands on request (IPC), one child each, and reports how they ended.
// It does not run hooks by itself: the harness plays certbot's order (every auth, then every
// cleanup) and decides when the "certbot" dies.
import { spawn } from 'node:child_process';

interface HookRequest {
  type: 'hook';
  id: number;
  bin: string;
  args: string[];
  env: Record<string, string>;
}

const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};

process.on('message', (raw) => {
  const msg = raw as HookRequest | { type: 'quit' };
  if (msg.type === 'quit') process.exit(0);
  if (msg.type !== 'hook') return;
  const child = spawn(process.execPath, [msg.bin, ...msg.args], { env: msg.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.on('spawn', () => send({ type: 'spawned', id: msg.id, pid: child.pid }));
  child.on('error', (err) => send({ type: 'exit', id: msg.id, code: null, signal: null, stdout, stderr: String(err) }));
  child.on('close', (code, signal) => send({ type: 'exit', id: msg.id, code, signal, stdout, stderr }));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
