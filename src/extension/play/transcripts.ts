/**
 * The play panel's transcripts, host side (no vscode here, so it is unit-tested): where a finished
 * question is appended — `<run>/human/transcripts.jsonl`, or without a run the workspace's
 * `.amplification/human/transcripts.jsonl` as `amplify play` does — how many a run holds (the Runs
 * view), and the text of Export Human Transcripts….
 */
import * as path from 'node:path';
import type { PlayRecord } from '../../core/index';
import { appendPlayRecord, humanTranscriptsFile, readPlayRecords } from '../../engine/human-transcripts';

/** The transcripts file of a play session: its run's, else the workspace's. */
export function playTranscriptsFile(runDir: string | undefined, workspaceRoot: string): string {
  return runDir ? humanTranscriptsFile(runDir) : path.join(workspaceRoot, '.amplification', 'human', 'transcripts.jsonl');
}

/** Appends one finished question to `file` and returns the file (the PlayController's `save`). */
export function savePlayRecord(file: string, record: PlayRecord): string {
  appendPlayRecord(file, record);
  return file;
}

/** The number of readable transcripts of a run (0 when it has none). */
export function humanTranscriptCount(runDir: string): number {
  return readPlayRecords(humanTranscriptsFile(runDir)).records.length;
}

/** Export Human Transcripts…: the readable records of the run, one JSON object a line. */
export function humanTranscriptsText(runDir: string): { text: string; count: number; skipped: number } {
  const { records, skipped } = readPlayRecords(humanTranscriptsFile(runDir));
  return { text: records.map((r) => `${JSON.stringify(r)}\n`).join(''), count: records.length, skipped: skipped.length };
}
