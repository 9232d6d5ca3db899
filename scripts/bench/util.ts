// Small helpers shared by the benchmark sections: statistics, formatting, temp directories that
// are always removed, and a cancellable sleep.

import { setTimeout as delay } from 'node:timers/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.max(...values);
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.min(...values);
}

/** Nearest-rank quantile (q in 0..1). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function fmtS(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return `${(ms / 1000).toFixed(Math.abs(ms) >= 10_000 ? 1 : 2)} s`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return r >= 10 ? `${r.toFixed(1)}×` : r >= 0.1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`;
}

export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** Temp directories created by the bench; `removeTempDirs` deletes every one still present. */
const tempDirs = new Set<string>();

export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `acme-godaddy-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export function removeTempDirs(): void {
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

export class BenchAborted extends Error {}

/** node's abortable timer, with the bench's own error when the run is aborted. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    throw signal?.aborted ? new BenchAborted('aborted') : err;
  }
}

/** A 43-character base64url value shaped like CERTBOT_VALIDATION, unique per call. */
let tokenCounter = 0;
export function token(seed: string): string {
  tokenCounter++;
  return Buffer.from(`${seed}:${tokenCounter}:${process.pid}:${Math.random()}`).toString('base64url').padEnd(43, 'A').slice(0, 43);
}

/** Progress lines go to stderr so stdout carries only the table. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
