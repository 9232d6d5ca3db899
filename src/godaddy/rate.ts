/**
 * The request budget setting (ACME_GODADDY_API_RATE), apart from the pacer so that the configuration
 * loader can check it without loading the pacer's file locking.
 */
import { ConfigError } from '../errors.js';

/** At most `limit` requests in any `windowMs`, per endpoint. */
export interface Budget {
  limit: number;
  windowMs: number;
}

/** GoDaddy's published limit: 60 requests per minute per endpoint. */
export const GODADDY_BUDGET: Readonly<Budget> = Object.freeze({ limit: 60, windowMs: 60_000 });

/**
 * `ACME_GODADDY_API_RATE`: `N/S` (at most N requests per S seconds per endpoint), or `off`.
 * Default 60/60, GoDaddy's limit.
 */
export function parseRate(text: string | undefined): Budget | 'off' {
  const problems: string[] = [];
  const rate = checkRate(text, problems);
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`,
      'GoDaddy allows 60 requests per minute per endpoint; leave it unset unless you share the key with other tools');
  }
  return rate;
}

/** parseRate() for the configuration loader: a bad value adds a problem (and gives the default). */
export function checkRate(text: string | undefined, problems: string[]): Budget | 'off' {
  const value = text?.trim();
  if (value === undefined || value === '') return { ...GODADDY_BUDGET };
  if (value.toLowerCase() === 'off') return 'off';
  const m = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(value);
  const limit = m ? Number(m[1]) : NaN;
  const seconds = m ? Number(m[2]) : NaN;
  if (!m || limit < 1 || limit > 100_000 || seconds < 0.1 || seconds > 86_400) {
    problems.push(`ACME_GODADDY_API_RATE must be "N/S" (at most N requests per S seconds per endpoint, e.g. 60/60) or "off" (got "${value}")`);
    return { ...GODADDY_BUDGET };
  }
  return { limit, windowMs: Math.round(seconds * 1000) };
}
