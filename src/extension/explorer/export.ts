/**
 * Export Tree, host side without vscode (unit-tested): the bytes of the webview's export, checked
 * for their format, and the path chosen in the save dialog, checked before anything is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXPORT_FORMAT_INFO, type ExportedTree, type ExportFormat } from '../../protocol/export';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The file's bytes: UTF-8 text, or the PNG decoded from base64 (which must be a PNG). */
export function exportBytes(m: ExportedTree): Buffer {
  if (m.format !== 'png') {
    if (m.format === 'json') JSON.parse(m.content); // throws on anything but JSON
    return Buffer.from(m.content, 'utf8');
  }
  const bytes = Buffer.from(m.content, 'base64');
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('the PNG from the Explorer is not a PNG image');
  return bytes;
}

/** A file name for the save dialog: the webview's name, kept to safe characters, with the format's extension. */
export function suggestedFileName(name: string, format: ExportFormat): string {
  const printable = [...name].filter((c) => c.charCodeAt(0) >= 32).join('');
  const base = printable.replace(/[\\/:*?"<>|]+/g, '-').replace(/^[.\s-]+/, '').slice(0, 120) || 'tree';
  return `${base}.${EXPORT_FORMAT_INFO[format].extension}`;
}

/**
 * Checks where the export is to be written: an absolute path, not a folder, in a folder that
 * exists, with the format's extension (added when it has none; another extension is refused, so a
 * PNG never lands in a `.json`). Returns the path to write, or why not.
 */
export function checkSavePath(file: string, format: ExportFormat): { ok: true; path: string } | { ok: false; error: string } {
  const ext = EXPORT_FORMAT_INFO[format].extension;
  if (!file || file.includes('\u0000')) return { ok: false, error: 'no file name' };
  if (!path.isAbsolute(file)) return { ok: false, error: `${file} is not an absolute path` };
  let p = path.normalize(file);
  const given = path.extname(p).slice(1).toLowerCase();
  if (given === '') p = `${p}.${ext}`;
  else if (given !== ext && !(format === 'md' && given === 'markdown')) return { ok: false, error: `${path.basename(p)} is not a .${ext} file` };
  const dir = path.dirname(p);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { ok: false, error: `the folder ${dir} does not exist` };
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) return { ok: false, error: `${p} is a folder` };
  return { ok: true, path: p };
}
