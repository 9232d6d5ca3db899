/**
 * Start a throw-away local Pebble ACME server (Debian's `pebble` 2.4.0) for end-to-end runs of real
 * certbot against our hooks.
 *
 * What it does, in order:
 * 1. Generates a throw-away TLS CA and a `localhost` leaf (SAN localhost, 127.0.0.1, ::1) with
 *    openssl into `dir/certs/`. Debian's pebble package ships no test certificates (the `+ds`
 *    source strips `test/certs/`), so Pebble cannot start without this.
 * 2. Writes `dir/pebble-config.json` with two free loopback ports (ACME + management). Pebble
 *    takes its ports only from the config file, so every instance needs its own file.
 * 3. Starts `pebble -config … -dnsserver <dnsServer> -strict=false` with test-friendly env
 *    (no validation sleeps, no nonce rejection, no authz reuse, real DNS lookups), output to
 *    `dir/pebble.log`, and waits until the directory answers over HTTPS trusting the generated CA.
 *    A port taken between our probe and Pebble's bind is retried with fresh ports.
 *
 * Pebble keeps accounts, orders and its issuing root in memory: renewals must talk to the same
 * process, and the root (see {@link Pebble.rootPem}) changes on every start.
 *
 * No test-only imports: `scripts/sim.ts --with-pebble` uses this too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link startPebble}. */
export interface PebbleOptions {
  /** Working directory for certs, config and log. Created if missing. */
  readonly dir: string;
  /** `host:port` of the DNS server Pebble's VA asks for dns-01 TXT records. */
  readonly dnsServer: string;
  /**
   * Extra environment for Pebble. Overrides the defaults (`PEBBLE_VA_NOSLEEP=1`,
   * `PEBBLE_WFE_NONCEREJECT=0`, `PEBBLE_AUTHZREUSE=0`, `PEBBLE_VA_ALWAYS_VALID=0`); a value of
   * `undefined` removes the variable (e.g. `{ PEBBLE_VA_NOSLEEP: undefined }` turns the random
   * validation sleeps back on).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Base environment the above is applied to. Default: the current process environment. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the directory to answer, per start attempt. Default 10 000 ms. */
  readonly readyTimeoutMs?: number;
  /** Path to the pebble binary. Default: `pebble` from PATH. */
  readonly pebbleBin?: string;
  /** Path to the openssl binary. Default: `openssl` from PATH. */
  readonly opensslBin?: string;
}

/** A running Pebble. */
export interface Pebble {
  /** ACME directory URL, e.g. `https://127.0.0.1:40123/dir` (certbot's `--server`). */
  readonly directoryUrl: string;
  /** PEM file of the TLS CA that certbot must trust (`REQUESTS_CA_BUNDLE`). */
  readonly caBundle: string;
  /** Base URL of the management interface, e.g. `https://127.0.0.1:40124`. */
  readonly managementUrl: string;
  /** Pebble's output (stdout + stderr), appended across start attempts. */
  readonly logPath: string;
  /** Pid of the pebble process. */
  readonly pid: number;
  /** Pebble's issuing root (`/roots/0`), PEM. Generated in memory at every start. */
  rootPem(): Promise<string>;
  /** Stops Pebble (SIGTERM, then SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when a required binary is missing or Pebble does not come up. */
export class PebbleError extends Error {
  override readonly name = 'PebbleError';
}

const DEFAULT_PEBBLE_ENV: Readonly<Record<string, string>> = {
  PEBBLE_VA_NOSLEEP: '1', // no random 0–4 s sleep before each validation
  PEBBLE_WFE_NONCEREJECT: '0', // don't reject 5 % of valid nonces
  PEBBLE_AUTHZREUSE: '0', // don't reuse valid authzs (50 % by default: then no hook runs at all)
  PEBBLE_VA_ALWAYS_VALID: '0', // really query DNS
};

const MAX_START_ATTEMPTS = 5;

/** Starts Pebble; see the module comment. Rejects with {@link PebbleError}. */
export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const baseEnv = opts.baseEnv ?? process.env;
  const pebbleBin = opts.pebbleBin ?? findOnPath('pebble', baseEnv.PATH);
  if (pebbleBin === undefined) {
    throw new PebbleError(
      'pebble not found on PATH; install it (Debian/Ubuntu: apt-get install -y pebble)',
    );
  }
  const opensslBin = opts.opensslBin ?? findOnPath('openssl', baseEnv.PATH);
  if (opensslBin === undefined) {
    throw new PebbleError(
      'openssl not found on PATH; install it (Debian/Ubuntu: apt-get install -y openssl)',
    );
  }

  await mkdir(opts.dir, { recursive: true });
  const certs = await ensureTlsCerts(join(opts.dir, 'certs'), opensslBin);
  const logPath = join(opts.dir, 'pebble.log');
  const configPath = join(opts.dir, 'pebble-config.json');
  const env = buildEnv(baseEnv, opts.env);
  const ca = await readFile(certs.caPem, 'utf8');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;

  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
    const [acmePort, mgmtPort] = await freePorts(2);
    await writeFile(
      configPath,
      JSON.stringify(
        {
          pebble: {
            listenAddress: `127.0.0.1:${acmePort}`,
            managementListenAddress: `127.0.0.1:${mgmtPort}`,
            certificate: certs.leafPem,
            privateKey: certs.leafKey,
            // Ports the VA would connect to for http-01 / tls-alpn-01; not listeners, unused for dns-01.
            httpPort: 5002,
            tlsPort: 5001,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        },
        null,
        2,
      ) + '\n',
    );
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    const proc = await spawnPebble(
      pebbleBin,
      ['-config', configPath, '-dnsserver', opts.dnsServer, '-strict=false'],
      env,
      logPath,
    );
    try {
      await waitReady(proc, [directoryUrl, `${managementUrl}/roots/0`], ca, readyTimeoutMs);
    } catch (err) {
      await proc.stop();
      lastError = err;
      const log = await readFile(logPath, 'utf8').catch(() => '');
      if (/address already in use/i.test(lastLines(log, 5)) && attempt < MAX_START_ATTEMPTS) {
        continue; // someone took a port between our probe and Pebble's bind
      }
      throw new PebbleError(
        `pebble did not come up: ${errorMessage(err)}; last lines of ${logPath}:\n${lastLines(log, 15)}`,
        { cause: err },
      );
    }
    return {
      directoryUrl,
      caBundle: certs.caPem,
      managementUrl,
      logPath,
      pid: proc.pid,
      rootPem: () => httpsGetText(`${managementUrl}/roots/0`, ca, 5_000),
      stop: proc.stop,
    };
  }
  throw new PebbleError(`pebble did not come up after ${MAX_START_ATTEMPTS} attempts`, {
    cause: lastError,
  });
}

/** Absolute path of an executable `name` on `pathVar`, or undefined. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function buildEnv(
  base: Readonly<Record<string, string | undefined>>,
  overrides: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...DEFAULT_PEBBLE_ENV, ...overrides })) {
    if (v !== undefined) env[k] = v;
  }
  return env;
}

interface TlsCerts {
  readonly caPem: string;
  readonly leafPem: string;
  readonly leafKey: string;
}

/**
 * Creates the CA + localhost leaf in `dir`, unless a set from an earlier start is there, issued by
 * that CA and valid for at least another day (`npm run sim -- --with-pebble` reuses one dir).
 */
async function ensureTlsCerts(dir: string, openssl: string): Promise<TlsCerts> {
  const certs: TlsCerts = {
    caPem: join(dir, 'ca.pem'),
    leafPem: join(dir, 'localhost.pem'),
    leafKey: join(dir, 'localhost.key'),
  };
  if (await reusable(certs)) return certs;
  await mkdir(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const csr = join(dir, 'localhost.csr');
  const ext = join(dir, 'localhost.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run(openssl, [
    'req', '-x509', ...ec, '-days', '30', '-sha256',
    '-keyout', caKey, '-out', certs.caPem, '-subj', '/CN=acme-godaddy throw-away Pebble TLS CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  await run(openssl, ['req', ...ec, '-sha256', '-keyout', certs.leafKey, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      'authorityKeyIdentifier=keyid',
      'subjectKeyIdentifier=hash',
      '',
    ].join('\n'),
  );
  await run(openssl, [
    'x509', '-req', '-in', csr, '-CA', certs.caPem, '-CAkey', caKey, '-set_serial', '2',
    '-days', '30', '-sha256', '-extfile', ext, '-out', certs.leafPem,
  ]); // prettier-ignore
  return certs;
}

async function reusable(certs: TlsCerts): Promise<boolean> {
  if (!existsSync(certs.leafKey)) return false;
  try {
    const ca = new X509Certificate(await readFile(certs.caPem));
    const leaf = new X509Certificate(await readFile(certs.leafPem));
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey) && Date.parse(leaf.validTo) > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (err) {
        reject(new PebbleError(`${file} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`, { cause: err }));
      } else {
        resolve();
      }
    });
  });
}

/** `n` distinct ports that were free on 127.0.0.1 a moment ago. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const srv = createServer();
      return new Promise<typeof srv>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve(srv));
      });
    }),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new PebbleError('unexpected listen address');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

interface PebbleProcess {
  readonly pid: number;
  readonly exited: Promise<void>;
  exitInfo(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Spawns pebble with output appended to `logPath`. Where util-linux's `setpriv` exists, pebble
 * gets a parent-death signal, so it dies even if this process is SIGKILLed; a process 'exit'
 * handler covers the normal case everywhere.
 */
async function spawnPebble(
  bin: string,
  args: readonly string[],
  env: Record<string, string>,
  logPath: string,
): Promise<PebbleProcess> {
  const log = await open(logPath, 'a');
  const setpriv = findOnPath('setpriv', env.PATH);
  let child: ChildProcess;
  try {
    child =
      setpriv !== undefined
        ? spawn(setpriv, ['--pdeathsig', 'KILL', bin, ...args], { env, stdio: ['ignore', log.fd, log.fd] })
        : spawn(bin, args, { env, stdio: ['ignore', log.fd, log.fd] });
  } finally {
    await log.close(); // the child has its own copy of the fd
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new PebbleError(`could not start ${bin}: ${err.message}`, { cause: err });
  }
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
      resolve();
    });
  });
  const onParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onParentExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onParentExit);
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { pid, exited, exitInfo: () => exitInfo, stop };
}

async function waitReady(
  proc: PebbleProcess,
  urls: readonly string[],
  ca: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (const url of urls) {
    for (;;) {
      const info = proc.exitInfo();
      if (info !== undefined) throw new PebbleError(`pebble exited (${info}) before it was ready`);
      try {
        await httpsGetText(url, ca, 1_000);
        break;
      } catch (err) {
        lastErr = err;
      }
      if (Date.now() >= deadline) {
        throw new PebbleError(
          `${url} did not answer within ${timeoutMs} ms (last error: ${errorMessage(lastErr)})`,
        );
      }
      await Promise.race([sleep(100), proc.exited]);
    }
  }
}

/** GET over HTTPS trusting only `ca`; rejects on non-200. */
function httpsGetText(url: string, ca: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new PebbleError(`GET ${url}: HTTP ${String(res.statusCode)}: ${body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new PebbleError(`GET ${url}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
