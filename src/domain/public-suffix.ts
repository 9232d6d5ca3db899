/**
 * Public suffixes (`com`, `co.uk`, `kawasaki.jp` …) from the ICANN section of the Public Suffix
 * List, vendored in public-suffix-list.ts (refresh it with scripts/update-public-suffixes.mjs).
 * Pure; the rule sets are built on first use. Names are expected in the form normalizeDomain()
 * gives: lower case, ASCII (punycode), no trailing dot.
 *
 * Algorithm (publicsuffix.org/list): the matching rule with the most labels wins, an exception
 * rule (`!www.ck`) beats everything and means its parent (`ck`) is the suffix, and a name no rule
 * matches has its last label as the suffix (the implicit `*` rule, which covers `.test`).
 */
import { ICANN_RULES, PUBLIC_SUFFIX_SOURCE } from './public-suffix-list.js';

export { PUBLIC_SUFFIX_SOURCE };

interface Rules {
  exact: Set<string>;
  /** `*.ck` is stored as `ck`: any single label under it is a suffix. */
  wildcard: Set<string>;
  /** `!www.ck` is stored as `www.ck`. */
  exception: Set<string>;
}

let rules: Rules | undefined;

function load(): Rules {
  if (rules) return rules;
  const loaded: Rules = { exact: new Set(), wildcard: new Set(), exception: new Set() };
  for (const line of ICANN_RULES.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('!')) loaded.exception.add(line.slice(1));
    else if (line.startsWith('*.')) loaded.wildcard.add(line.slice(2));
    else loaded.exact.add(line);
  }
  rules = loaded;
  return loaded;
}

/** The public suffix of `name`: `co.uk` for `www.example.co.uk`, `test` for `example.test`. */
export function publicSuffix(name: string): string {
  const { exact, wildcard, exception } = load();
  const labels = name.split('.');
  // Longest candidate first, so the first rule that matches is the one with the most labels.
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    if (exception.has(candidate)) return labels.slice(i + 1).join('.');
    if (exact.has(candidate)) return candidate;
    if (i + 1 < labels.length && wildcard.has(labels.slice(i + 1).join('.'))) return candidate;
  }
  return labels[labels.length - 1] ?? name;
}

/** True when `name` itself is a public suffix: nobody can own it, so it is never a zone of ours. */
export function isPublicSuffix(name: string): boolean {
  return publicSuffix(name) === name;
}

/**
 * The registrable domain of `name` (its public suffix plus one label): `example.co.uk` for
 * `_acme-challenge.www.example.co.uk`; undefined when `name` is itself a public suffix.
 */
export function registrableDomain(name: string): string | undefined {
  const suffix = publicSuffix(name);
  if (suffix === name) return undefined;
  const rest = name.slice(0, name.length - suffix.length - 1).split('.');
  return `${rest[rest.length - 1]}.${suffix}`;
}
