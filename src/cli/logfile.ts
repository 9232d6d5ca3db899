import fs from 'node:fs';
import type { Secret } from '../secret.js';

/**
 * The optional audit log (ACME_GODADDY_LOG_FILE): one JSON object per line, appended with O_APPEND
 * so concurrent hooks never interleave inside a line. Every line passes through redact(), which
 * replaces the literal API key and secret with "***", whatever code produced the text.
 *
 * A log that cannot be written never fails a hook: the first failure is reported once on stderr
 * and logging stops for the rest of the run.
 */
export interface AuditLog {
  write(level: 'info' | 'error', msg: string, fields?: Record<string, unknown>): void;
  /** Fields added to every later line (e.g. the run id once it is known). */
  annotate(fields: Record<string, unknown>): void;
}

export const NO_AUDIT_LOG: AuditLog = { write: () => undefined, annotate: () => undefined };

export function openAuditLog(file: string | undefined, base: Record<string, unknown>,
  secrets: readonly (Secret | undefined)[], onFailure: (message: string) => void): AuditLog {
  if (file === undefined) return NO_AUDIT_LOG;
  const context: Record<string, unknown> = { ...base };
  const literals = secrets.filter((s): s is Secret => s !== undefined).map((s) => s.reveal()).filter((v) => v.length > 0);
  let failed = false;
  return {
    annotate(fields) {
      Object.assign(context, fields);
    },
    write(level, msg, fields = {}) {
      if (failed) return;
      const line = redact(JSON.stringify({ ts: new Date().toISOString(), level, ...context, msg, ...fields }), literals);
      try {
        fs.appendFileSync(file, `${line}\n`, { mode: 0o600 });
      } catch (err) {
        failed = true;
        onFailure(`cannot write ACME_GODADDY_LOG_FILE ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); logging disabled for this run`);
      }
    },
  };
}

/** Replaces every occurrence of each literal (and its JSON-escaped form) with "***". */
export function redact(text: string, literals: readonly string[]): string {
  let out = text;
  for (const literal of [...literals].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([literal, JSON.stringify(literal).slice(1, -1)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
