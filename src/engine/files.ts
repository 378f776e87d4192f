/**
 * Crash-safe run files: atomic JSON writes (with the learner's `writeFileAtomic`: temp file in the
 * same folder, fsync, rename) and append-only JSON Lines whose reader tolerates (and reports) a
 * truncated last line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../learner/files';

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Appends one JSON record as a line and flushes it to disk. */
export function appendJsonLine(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A previous writer may have died mid-line: start on a fresh line so this record stays readable.
  let prefix = '';
  if (fs.existsSync(file)) {
    const size = fs.statSync(file).size;
    if (size > 0) {
      const fd = fs.openSync(file, 'r');
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      fs.closeSync(fd);
      if (last[0] !== 0x0a) prefix = '\n';
    }
  }
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, `${prefix}${JSON.stringify(value)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface JsonLines<T> {
  records: T[];
  /** Lines that could not be parsed (a truncated last line after a crash, or corruption), 1-based. */
  skipped: { line: number; reason: string }[];
}

/** Reads a JSON Lines file; unparsable lines are skipped and reported, never fatal. */
export function readJsonLines<T>(file: string, validate?: (x: unknown) => string | undefined): JsonLines<T> {
  const out: JsonLines<T> = { records: [], skipped: [] };
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      const problem = validate?.(value);
      if (problem) out.skipped.push({ line: i + 1, reason: problem });
      else out.records.push(value as T);
    } catch (e) {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      out.skipped.push({ line: i + 1, reason: last ? 'truncated last line' : `not JSON: ${(e as Error).message}` });
    }
  });
  return out;
}
