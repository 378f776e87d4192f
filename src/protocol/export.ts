/**
 * Export Tree, the messages' part: the formats, and the check of the content the webview sends
 * (the host writes it to the file the user chose). SVG and PNG are what the Explorer shows; JSON
 * and Markdown are the whole tree with its answers.
 */
import { isId, isStr, need, type Obj } from './validate';

export const EXPORT_FORMATS = ['svg', 'png', 'json', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What each format is called in the save dialog, and its file extension. */
export const EXPORT_FORMAT_INFO: Record<ExportFormat, { label: string; extension: string }> = {
  svg: { label: 'SVG image (what is on screen)', extension: 'svg' },
  png: { label: 'PNG image (what is on screen)', extension: 'png' },
  json: { label: 'JSON (the whole tree, every answer)', extension: 'json' },
  md: { label: 'Markdown outline (the whole tree, every answer)', extension: 'md' },
};

/** The most characters an export may have (a PNG as base64 included). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

/** The webview's export: `content` is text, or for PNG the image in base64. `name`: a file name without extension. */
export interface ExportedTree {
  type: 'exportedTree';
  format: ExportFormat;
  name: string;
  content: string;
}

export const isExportFormat = (x: unknown): x is ExportFormat => EXPORT_FORMATS.includes(x as ExportFormat);

/** Checks an export from the webview: a known format, a short name, content of that format (not its meaning). */
export function parseExportedTree(m: Obj): ExportedTree {
  need(isExportFormat(m.format), `format is not one of ${EXPORT_FORMATS.join(', ')}`);
  need(isId(m.name, 200), 'name is not a file name of at most 200 characters');
  need(isStr(m.content) && m.content.length > 0 && m.content.length <= MAX_EXPORT_CHARS, 'content is not a string of 1 to 64 Mi characters');
  const c = m.content;
  if (m.format === 'png') need(/^[A-Za-z0-9+/]+={0,2}$/.test(c) && c.startsWith('iVBORw0KGgo'), 'content is not a PNG in base64');
  if (m.format === 'svg') need(/^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(c), 'content is not an SVG document');
  if (m.format === 'json') need(c.startsWith('{'), 'content is not a JSON object');
  return { type: 'exportedTree', format: m.format, name: m.name, content: c };
}
