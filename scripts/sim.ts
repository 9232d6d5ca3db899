// `npm run sim`: the simulator on fixed, well-known loopback ports, so Pebble, certbot and the
// CLI can be pointed at it by hand. Prints the env to paste, the zones, then one line per API
// request until SIGINT/SIGTERM. A thin wrapper over startSim; all behaviour lives in src/sim.

import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startPebble, type Pebble } from '../src/sim/pebble.js';
import { DEFAULT_NAMESERVERS, startSim, type SimNameserver, type SimOptions, type SimRequest } from '../src/sim/sim.js';

const USAGE = `usage: npm run sim -- [options]
  --api-port N        GoDaddy API on http://127.0.0.1:N (default 8441)
  --resolver-port N   recursive resolver on 127.0.0.1:N, UDP+TCP (default 8053; Pebble's -dnsserver)
  --dns-port N        authoritative servers on 127.0.0.2:N, 127.0.0.3:N, ... (default 8054)
  --delays A,B,...    publish delay in ms per GoDaddy nameserver (default 300,900)
  --seed N            seed for every random choice (default 1)
  --log-dns           also print one line per DNS query
  --with-pebble       also start a local ACME server (Debian's pebble) that validates through
                      the simulated resolver, and print a complete certbot command line
  --help`;

const STATE_DIR = '/tmp/acme-godaddy-sim-state';
const PEBBLE_DIR = '/tmp/acme-godaddy-sim-pebble';
/** Nameserver addresses in order; 127.0.0.4 is taken by elsewhere.test's external server. */
const NS_HOSTS = [2, 3, 5, 6, 7, 8, 9];

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new UsageError(`${flag} must be a port number (got ${text})`);
  return value;
}

function nameservers(text: string | undefined): SimNameserver[] {
  if (text === undefined) return DEFAULT_NAMESERVERS.map((ns) => ({ ...ns }));
  const delays = text.split(',').map(Number);
  if (delays.length > NS_HOSTS.length || delays.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UsageError(`--delays takes 1 to ${NS_HOSTS.length} non-negative integers (got ${text})`);
  }
  return delays.map((delayMs, i) => ({ name: `ns${i + 1}.domaincontrol.test`, address: `127.0.0.${NS_HOSTS[i]}`, delayMs }));
}

class UsageError extends Error {}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

function requestLine(r: SimRequest): string {
  const status = r.status === 0 ? 'dropped' : String(r.status);
  return `${clock(r.at)} ${r.method} ${r.path}${r.query} -> ${status}${r.fault ? ' (injected fault)' : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'api-port': { type: 'string' },
      'resolver-port': { type: 'string' },
      'dns-port': { type: 'string' },
      delays: { type: 'string' },
      seed: { type: 'string' },
      'log-dns': { type: 'boolean', default: false },
      'with-pebble': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const options: SimOptions = {
    apiPort: port(values['api-port'], 8441, '--api-port'),
    resolverPort: port(values['resolver-port'], 8053, '--resolver-port'),
    dnsPort: port(values['dns-port'], 8054, '--dns-port'),
    nameservers: nameservers(values.delays),
    seed: values.seed === undefined ? 1 : Number(values.seed),
    onRequest: (r) => console.log(requestLine(r)),
    ...(values['log-dns']
      ? { onDnsQuery: (q) => console.log(`${clock(q.at)} dns ${q.server} ${q.proto} ${q.name} type=${q.type} rcode=${q.rcode} answers=${q.answers}`) }
      : {}),
  };
  const sim = await startSim(options);
  let pebble: Pebble | undefined;
  const env: Record<string, string> = { ...sim.env(), ACME_GODADDY_STATE_DIR: STATE_DIR };
  if (values['with-pebble']) {
    try {
      pebble = await startPebble({ dir: PEBBLE_DIR, dnsServer: sim.resolver });
    } catch (err) {
      await sim.close();
      throw err;
    }
    env['REQUESTS_CA_BUNDLE'] = pebble.caBundle;
  }
  console.log('acme-godaddy simulator is running. Paste into your shell:\n');
  for (const [name, value] of Object.entries(env)) console.log(`export ${name}=${value}`);
  const bin = fileURLToPath(new URL('../../bin/acme-godaddy', import.meta.url));
  if (pebble) {
    console.log(`\nPebble (ACME server) at ${pebble.directoryUrl}, validating through ${sim.resolver}. Then run:\n`);
    console.log(`certbot certonly --manual --preferred-challenges dns \\
  --manual-auth-hook "${bin} auth" --manual-cleanup-hook "${bin} cleanup" \\
  --server ${pebble.directoryUrl} --non-interactive --agree-tos -m you@example.test \\
  --config-dir /tmp/acme-godaddy-cb/config --work-dir /tmp/acme-godaddy-cb/work --logs-dir /tmp/acme-godaddy-cb/logs \\
  -d example.test -d '*.example.test' -d www.example.test`);
  } else {
    console.log(`\nPebble: pebble -dnsserver ${sim.resolver} ... (or rerun with --with-pebble)`);
  }
  console.log(`\nZones (account ${sim.key}):`);
  for (const d of sim.domains()) {
    const servers = d.publicNameservers.map((ns) => `${ns.name} (${ns.address})`).join(', ');
    const note = d.ownerKey !== sim.key ? ' (another account: 404 for you)' : d.nameServers.some((ns) => !ns.endsWith('.domaincontrol.test')) ? ' (delegated away: API edits are never public)' : '';
    console.log(`  ${d.domain.padEnd(16)} NS ${servers}${note}`);
  }
  console.log('\nNameservers:');
  for (const ns of sim.nameservers) console.log(`  ${ns.name} ${ns.address}:${sim.dnsPort} publishes after ${ns.delayMs} ms`);
  console.log('\nAPI requests (Ctrl-C to stop):');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await pebble?.stop();
  await sim.close();
  console.log('simulator stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`sim: ${error instanceof Error ? error.message : String(error)}`);
    if (usage) console.error(USAGE);
    process.exitCode = usage ? 64 : 1;
  },
);
