import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from './errors.js';
import { Secret } from './secret.js';
import { invalidDomainReason, normalizeDomain } from './domain/names.js';
import { checkRate, type Budget } from './godaddy/rate.js';

/** Where the env file is looked for when ACME_GODADDY_ENV_FILE is not set. Independent of the cwd. */
export const DEFAULT_ENV_FILE = '/etc/acme-godaddy/env';
export const DEFAULT_STATE_DIR = '/var/lib/acme-godaddy';
export const DEFAULT_API_URL = 'https://api.godaddy.com';
export const MIN_TTL = 600;
export const MAX_TTL = 604800;

export interface HostPort {
  host: string;
  port: number;
}

export interface Config {
  apiKey: Secret | undefined;
  apiSecret: Secret | undefined;
  apiUrl: URL;
  stateDir: string;
  /** The env file that was read, if any. */
  envFile: string | undefined;
  ttl: number;
  /** Recursive resolvers for SOA/NS/CNAME/address lookups; empty = none configured (an error when DNS is needed). */
  resolvers: HostPort[];
  dnsPort: number;
  /** Authoritative servers to check instead of the discovered ones. */
  nameservers: HostPort[] | undefined;
  propagationTimeoutMs: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  httpTimeoutMs: number;
  /** ACME_GODADDY_LOG_FILE: JSON-lines audit log (absolute path), or undefined for none. */
  logFile: string | undefined;
  /**
   * Problems that do not stop the hooks but that the operator must see: an env file or secret file
   * that group or others can read. Printed once per run on stderr (certbot shows it as a warning
   * on every renewal until it is fixed); `check` shows them as failed checks.
   */
  warnings: string[];
  /** ACME_GODADDY_ZONES: zones used instead of the SOA walk for names inside them (split horizon). */
  zones: string[];
  /** ACME_GODADDY_NS_SUFFIXES: a zone's public NS must be under one of these to count as served by GoDaddy. */
  nsSuffixes: string[];
  /** ACME_GODADDY_DELEGATION_CHECK: refuse to write to a zone whose public NS are not GoDaddy's. */
  delegationCheck: boolean;
  /** ACME_GODADDY_CONFIRMATIONS: answers in a row each authoritative server must give with every value. */
  confirmations: number;
  /** ACME_GODADDY_SETTLE_DELAY: extra wait after every authoritative server confirmed. */
  settleDelayMs: number;
  /** ACME_GODADDY_API_RATE: the shared request budget per endpoint (default 60 per 60 s), or 'off'. */
  apiRate: Budget | 'off';
}

/** Where GoDaddy's own nameservers live (nsNN.domaincontrol.com, pdnsNN.domaincontrol.com). */
export const DEFAULT_NS_SUFFIXES: readonly string[] = ['domaincontrol.com'];

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds the configuration from the process environment and the env file (the real environment
 * wins over the file). Collects every problem and reports them together in one ConfigError.
 */
export function loadConfig(processEnv: Env, options: { resolvConf?: string } = {}): Config {
  const problems: string[] = [];
  const warnings: string[] = [];
  const { env, envFile, fromFile } = mergeEnvFile(processEnv, problems);
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  if (envFile && fromFile && (present(fromFile['GODADDY_API_KEY']) || present(fromFile['GODADDY_API_SECRET']))) {
    const loose = looseMode(envFile);
    if (loose) warnings.push(`env file ${envFile} holds GoDaddy credentials and is ${loose}; run: chmod 600 ${envFile}`);
  }

  const apiKey = credential('GODADDY_API_KEY', processEnv, fromFile, problems, warnings);
  const apiSecret = credential('GODADDY_API_SECRET', processEnv, fromFile, problems, warnings);
  const apiUrl = parseApiUrl(get('GODADDY_API_URL') ?? DEFAULT_API_URL, problems);

  const stateDir = get('ACME_GODADDY_STATE_DIR') ?? DEFAULT_STATE_DIR;
  if (!path.isAbsolute(stateDir)) problems.push(`ACME_GODADDY_STATE_DIR must be an absolute path (got "${stateDir}")`);

  const ttl = parseInteger(get('ACME_GODADDY_TTL'), 'ACME_GODADDY_TTL', 600, MIN_TTL, MAX_TTL, problems);
  const dnsPort = parseInteger(get('ACME_GODADDY_DNS_PORT'), 'ACME_GODADDY_DNS_PORT', 53, 1, 65535, problems);

  const resolversText = get('ACME_GODADDY_RESOLVERS');
  const resolvers = resolversText
    ? parseHostPorts(resolversText, 'ACME_GODADDY_RESOLVERS', 53, problems, true)
    : systemResolvers(options.resolvConf ?? '/etc/resolv.conf');
  const nameserversText = get('ACME_GODADDY_NAMESERVERS');
  const nameservers = nameserversText
    ? parseHostPorts(nameserversText, 'ACME_GODADDY_NAMESERVERS', dnsPort, problems, false)
    : undefined;

  const propagationTimeoutMs =
    parseSeconds(get('ACME_GODADDY_PROPAGATION_TIMEOUT'), 'ACME_GODADDY_PROPAGATION_TIMEOUT', 900, 1, 86400, problems);
  const pollIntervalMs =
    parseSeconds(get('ACME_GODADDY_POLL_INTERVAL'), 'ACME_GODADDY_POLL_INTERVAL', 2, 0.05, 600, problems);
  const lockTimeoutMs =
    parseSeconds(get('ACME_GODADDY_LOCK_TIMEOUT'), 'ACME_GODADDY_LOCK_TIMEOUT', 300, 1, 86400, problems);
  const httpTimeoutMs =
    parseSeconds(get('ACME_GODADDY_HTTP_TIMEOUT'), 'ACME_GODADDY_HTTP_TIMEOUT', 30, 1, 600, problems);
  const logFile = get('ACME_GODADDY_LOG_FILE');
  if (logFile !== undefined && !path.isAbsolute(logFile)) {
    problems.push(`ACME_GODADDY_LOG_FILE must be an absolute path (got "${logFile}")`);
  }

  const zones = parseDomainList(get('ACME_GODADDY_ZONES'), 'ACME_GODADDY_ZONES', problems, true) ?? [];
  const nsSuffixes = parseDomainList(get('ACME_GODADDY_NS_SUFFIXES'), 'ACME_GODADDY_NS_SUFFIXES', problems, false)
    ?? [...DEFAULT_NS_SUFFIXES];
  const delegationCheck = parseSwitch(get('ACME_GODADDY_DELEGATION_CHECK'), 'ACME_GODADDY_DELEGATION_CHECK', true, problems);
  const confirmations = parseInteger(get('ACME_GODADDY_CONFIRMATIONS'), 'ACME_GODADDY_CONFIRMATIONS', 1, 1, 20, problems);
  const settleDelayMs =
    parseSeconds(get('ACME_GODADDY_SETTLE_DELAY'), 'ACME_GODADDY_SETTLE_DELAY', 0, 0, 3600, problems);
  const apiRate = checkRate(get('ACME_GODADDY_API_RATE'), problems);

  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`,
      'see the configuration table in the README');
  }
  return {
    apiKey,
    apiSecret,
    apiUrl: apiUrl!,
    stateDir: path.resolve(stateDir),
    envFile,
    ttl,
    resolvers,
    dnsPort,
    nameservers,
    propagationTimeoutMs,
    pollIntervalMs,
    lockTimeoutMs,
    httpTimeoutMs,
    logFile,
    warnings,
    zones,
    nsSuffixes,
    delegationCheck,
    confirmations,
    settleDelayMs,
    apiRate,
  };
}

/**
 * A comma list of domain names, normalised (lower case, ASCII/punycode, no trailing dot). With
 * `ownable` each must be a name someone can own: a public suffix such as `co.uk` is refused.
 */
function parseDomainList(text: string | undefined, name: string, problems: string[], ownable: boolean): string[] | undefined {
  if (text === undefined) return undefined;
  const out: string[] = [];
  let bad = false;
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const domain = normalizeDomain(raw);
    const invalid = raw.startsWith('*') ? 'is a wildcard' : invalidDomainReason(domain);
    if (invalid && (ownable || !invalid.startsWith('is a public suffix'))) {
      problems.push(`${name}: "${raw}" ${invalid}`);
      bad = true;
      continue;
    }
    if (!out.includes(domain)) out.push(domain);
  }
  if (out.length === 0 && !bad) problems.push(`${name} is empty`);
  return out;
}

function parseSwitch(text: string | undefined, name: string, fallback: boolean, problems: string[]): boolean {
  if (text === undefined) return fallback;
  const value = text.toLowerCase();
  if (['on', 'yes', 'true', '1'].includes(value)) return true;
  if (['off', 'no', 'false', '0'].includes(value)) return false;
  problems.push(`${name} must be on or off (got "${text}")`);
  return fallback;
}

/** Credentials are only needed for API work; status and --help run without them. */
export function requireCredentials(config: Config): { key: Secret; secret: Secret } {
  const missing = [
    config.apiKey ? undefined : 'GODADDY_API_KEY',
    config.apiSecret ? undefined : 'GODADDY_API_SECRET',
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) {
    const where = config.envFile ? `the environment or ${config.envFile}` : `the environment or ${DEFAULT_ENV_FILE}`;
    throw new ConfigError(`missing ${missing.join(' and ')} (or ${missing.map((m) => `${m}_FILE`).join(', ')}; looked in ${where})`,
      'create a production API key at developer.godaddy.com/keys and put it in the env file');
  }
  return { key: config.apiKey!, secret: config.apiSecret! };
}

function mergeEnvFile(processEnv: Env, problems: string[]): { env: Env; envFile: string | undefined; fromFile: Env | undefined } {
  const explicit = processEnv['ACME_GODADDY_ENV_FILE']?.trim();
  const file = explicit || DEFAULT_ENV_FILE;
  // Absolute like every other path setting: hooks run from whatever directory the ACME client is in.
  if (!path.isAbsolute(file)) {
    problems.push(`ACME_GODADDY_ENV_FILE must be an absolute path (got "${file}")`);
    return { env: processEnv, envFile: undefined, fromFile: undefined };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return { env: processEnv, envFile: undefined, fromFile: undefined };
    problems.push(`cannot read env file ${file} (${code ?? 'error'})`);
    return { env: processEnv, envFile: undefined, fromFile: undefined };
  }
  const fromFile = parseDotenv(text);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) merged[name] = value;
  }
  return { env: merged, envFile: file, fromFile };
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/**
 * One credential from `NAME` or `NAME_FILE` (a file holding only the value, e.g. a systemd
 * credential or a Docker/Kubernetes secret; surrounding whitespace and the final newline are
 * dropped). The pair is one setting: the real environment wins over the env file as a whole, so
 * `NAME_FILE` in the environment overrides `NAME` in the env file. Setting both in one place is
 * an error.
 */
function credential(name: string, processEnv: Env, fromFile: Env | undefined, problems: string[],
  warnings: string[]): Secret | undefined {
  const fileName = `${name}_FILE`;
  const source = present(processEnv[name]) || present(processEnv[fileName]) ? processEnv : (fromFile ?? {});
  const direct = source[name];
  const indirect = source[fileName];
  if (present(direct) && present(indirect)) {
    problems.push(`set ${name} or ${fileName}, not both`);
    return undefined;
  }
  if (present(direct)) return new Secret(direct.trim());
  if (!present(indirect)) return undefined;
  const file = indirect.trim();
  if (!path.isAbsolute(file)) {
    problems.push(`${fileName} must be an absolute path (got "${file}")`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`cannot read ${fileName} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const value = text.trim();
  if (value === '') {
    problems.push(`${fileName} ${file} is empty`);
    return undefined;
  }
  if (/[\r\n]/.test(value)) {
    problems.push(`${fileName} ${file} must hold the value alone, on one line`);
    return undefined;
  }
  const loose = looseMode(file);
  if (loose) warnings.push(`${fileName} ${file} is ${loose}; run: chmod 600 ${file}`);
  return new Secret(value);
}

/** "readable by group/others (mode 644)" for a regular file others can read or write; else undefined. */
function looseMode(file: string): string | undefined {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined; // /dev/null, a FIFO from a process substitution: nothing to protect
    mode = st.mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o066) === 0) return undefined;
  const who = [mode & 0o060 ? 'group' : '', mode & 0o006 ? 'others' : ''].filter(Boolean).join(' and ');
  const what = mode & 0o022 ? 'readable or writable' : 'readable';
  return `${what} by ${who} (mode ${mode.toString(8).padStart(3, '0')})`;
}

function parseApiUrl(text: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`GODADDY_API_URL is not a URL (got "${text}")`);
    return undefined;
  }
  if (url.username || url.password) {
    problems.push('GODADDY_API_URL must not contain credentials');
    return undefined;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    problems.push(`GODADDY_API_URL may use plain http:// only for loopback hosts (got "${url.host}")`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`GODADDY_API_URL must be https:// (got "${url.protocol}")`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function parseInteger(text: string | undefined, name: string, fallback: number, min: number, max: number,
  problems: string[]): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    problems.push(`${name} must be a whole number (got "${text}")`);
    return fallback;
  }
  const value = Number(text);
  if (value < min || value > max) {
    problems.push(`${name} must be between ${min} and ${max} (got ${value})`);
    return fallback;
  }
  return value;
}

function parseSeconds(text: string | undefined, name: string, fallback: number, min: number, max: number,
  problems: string[]): number {
  if (text === undefined) return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(text)) {
    problems.push(`${name} must be a number of seconds (got "${text}")`);
    return fallback * 1000;
  }
  const value = Number(text);
  if (value < min || value > max) {
    problems.push(`${name} must be between ${min} and ${max} seconds (got ${value})`);
    return fallback * 1000;
  }
  return Math.round(value * 1000);
}

/** Parses "ip[:port]" / "[v6]:port" / "host:port" lists. */
export function parseHostPorts(text: string, name: string, defaultPort: number, problems: string[],
  requireIp: boolean): HostPort[] {
  const out: HostPort[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parsed = parseHostPort(raw, defaultPort);
    if (!parsed || (requireIp && !isIpAddress(parsed.host))) {
      problems.push(`${name}: "${raw}" is not ${requireIp ? 'ip[:port]' : 'host[:port]'}`);
      continue;
    }
    out.push(parsed);
  }
  if (out.length === 0 && problems.length === 0) problems.push(`${name} is empty`);
  return out;
}

function parseHostPort(raw: string, defaultPort: number): HostPort | undefined {
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(raw);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if ((raw.match(/:/g) ?? []).length > 1) {
    host = raw; // bare IPv6 without a port
  } else {
    const [h, p] = raw.split(':');
    host = h!;
    portText = p;
  }
  if (!host || !/^[0-9A-Za-z._:-]+$/.test(host)) return undefined;
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: host.toLowerCase().replace(/\.$/, ''), port };
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host));
}

/** The nameserver lines of resolv.conf; an unreadable file gives no resolvers (reported when DNS is used). */
export function systemResolvers(file: string): HostPort[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: HostPort[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    if (match && isIpAddress(match[1]!.replace(/%.*$/, ''))) out.push({ host: match[1]!.replace(/%.*$/, ''), port: 53 });
  }
  return out;
}
