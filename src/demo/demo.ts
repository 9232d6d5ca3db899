import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Io } from '../cli/run.js';

export async function runDemo(io: Io, _signal: AbortSignal): Promise<ExitCodeValue> {
  io.stderr('demo: not written yet\n');
  return ExitCode.INTERNAL;
}
