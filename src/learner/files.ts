/**
 * Atomic whole-file writes, the one implementation in src/ (the engine's run files and the learner's
 * checkpoints both use it): a temp file in the same folder, written, fsynced, then renamed over the
 * target, so a reader sees the old content or the new, never a mix.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes `data` (one chunk or several, in order) to `file` atomically; creates the folder if needed. */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly (string | Uint8Array)[]): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // pid and a random tag: unique across processes and across worker threads of one process.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Makes the renames in `dir` durable; not supported everywhere (e.g. Windows), where it is best effort. */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}
