/**
 * What a DNS server really serves, asked over the wire with node's own resolver (c-ares), not
 * with the product's DNS client, so e2e checks don't grade the product with its own code.
 */
import { Resolver } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * TXT values at `fqdn` on `server` ("host:port"), each value's character-strings joined, sorted.
 * NODATA and NXDOMAIN give `[]`; timeouts and SERVFAIL throw.
 */
export async function txtValues(server: string, fqdn: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 1_000, tries: 2 });
  resolver.setServers([server]);
  try {
    return (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join('')).sort();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    throw err;
  }
}

/**
 * Calls `check` until it stops throwing, or rethrows its last error after `timeoutMs`
 * (the error message says how long it waited).
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error) err.message = `after ${timeoutMs} ms: ${err.message}`;
        throw err;
      }
    }
    await sleep(intervalMs);
  }
}
