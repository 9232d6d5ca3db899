// GoDaddy's JSON as recorded on the wire (lexicon cassettes): compact, keys in alphabetical
// order, and a trailing newline. Clients that compare bodies byte for byte (Content-Length 98
// for the 401 body) rely on exactly this shape.

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/** Compact JSON with sorted keys and a trailing "\n". */
export function godaddyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) + '\n';
}
