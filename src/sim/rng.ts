// Seeded randomness. Every random choice in the simulator draws from a named stream derived
// from one seed, so a test that adds an API call does not change which nameserver the resolver
// picks next (each stream advances independently).

/** Returns a float in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast and good enough for test scheduling (not for anything secret). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream for `label`, independent of the other streams of the same seed. */
export function rngStream(seed: number, label: string): Rng {
  // FNV-1a over the label, mixed with the seed.
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return createRng(hash);
}

/** Integer in [min, max], inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Lower-case hex string of `bytes` random bytes. */
export function randomHex(rng: Rng, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += randomInt(rng, 0, 255).toString(16).padStart(2, '0');
  return out;
}
