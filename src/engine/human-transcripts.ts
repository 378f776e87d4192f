/**
 * The transcripts of people who played H (`amplify play`, the Explorer): JSON Lines, one
 * `PlayRecord` per finished question, by default `<run>/human/transcripts.jsonl`.
 */
import * as path from 'node:path';
import { playRecordProblem, type PlayRecord } from '../core/index';
import { appendJsonLine, readJsonLines, type JsonLines } from './files';

/** The transcripts file of a run folder. */
export function humanTranscriptsFile(runDir: string): string {
  return path.join(runDir, 'human', 'transcripts.jsonl');
}

/** Appends one finished question (fsynced; a torn last line of an earlier writer is left behind on its own line). */
export function appendPlayRecord(file: string, record: PlayRecord): void {
  appendJsonLine(file, record);
}

/** The records of a transcripts file; lines that do not parse or are not records are skipped and reported (1-based). */
export function readPlayRecords(file: string): JsonLines<PlayRecord> {
  return readJsonLines<PlayRecord>(file, playRecordProblem);
}
