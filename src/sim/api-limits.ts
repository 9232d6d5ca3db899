// S6 rate limiting and S1 fault injection: the two ways the simulated API refuses to do its job.

import type { SimFault } from './types.js';

export type LimitVerdict = { limited: false } | { limited: true; retryAfterSec: number };

/**
 * Per-bucket limiter. 'window' mode: a sliding window of `windowMs` holding at most `limit`
 * accepted requests; `retryAfterSec` is when the oldest one leaves the window. 'quota' mode: a
 * counter that, once at `limit`, refuses until `reset()` (the monthly-quota observation).
 * Refused requests are not counted.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly used = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly config: { limit: number; windowMs: number },
  ) {}

  check(bucket: string, mode: 'window' | 'quota'): LimitVerdict {
    const { limit, windowMs } = this.config;
    if (mode === 'quota') {
      const count = this.used.get(bucket) ?? 0;
      if (count >= limit) return { limited: true, retryAfterSec: Math.ceil(windowMs / 1000) };
      this.used.set(bucket, count + 1);
      return { limited: false };
    }
    const now = this.now();
    const recent = (this.hits.get(bucket) ?? []).filter((t) => t > now - windowMs);
    this.hits.set(bucket, recent);
    const oldest = recent[0];
    if (recent.length >= limit && oldest !== undefined) {
      return { limited: true, retryAfterSec: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
    }
    recent.push(now);
    return { limited: false };
  }

  reset(): void {
    this.hits.clear();
    this.used.clear();
  }
}

/** Faults in insertion order; the first one matching a request is consumed (`times` uses). */
export class FaultQueue {
  private queue: { fault: SimFault; left: number }[] = [];

  add(fault: SimFault): void {
    this.queue.push({ fault, left: fault.times ?? 1 });
  }

  take(method: string, path: string): SimFault | undefined {
    const entry = this.queue.find(({ fault }) => {
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false;
      if (typeof fault.path === 'string') return fault.path === path;
      fault.path.lastIndex = 0; // a /g or /y RegExp would otherwise match every other time
      return fault.path.test(path);
    });
    if (!entry) return undefined;
    entry.left--;
    if (entry.left <= 0) this.queue = this.queue.filter((e) => e !== entry);
    return entry.fault;
  }

  clear(): void {
    this.queue = [];
  }
}
