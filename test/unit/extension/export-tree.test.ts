/** Export Tree, host side: the message's check, the bytes written, and the save path's validation. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkSavePath, exportBytes, suggestedFileName } from '../../../src/extension/explorer/export';
import { parseWebviewMessage } from '../../../src/protocol/explorer';

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

test('save path: absolute, in an existing folder, not a folder, with the format’s extension (added when missing, another refused)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-export-'));
  fs.mkdirSync(path.join(dir, 'sub.svg'));
  assert.deepEqual(checkSavePath(path.join(dir, 'tree.svg'), 'svg'), { ok: true, path: path.join(dir, 'tree.svg') });
  assert.deepEqual(checkSavePath(path.join(dir, 'tree'), 'png'), { ok: true, path: path.join(dir, 'tree.png') }, 'the extension is added');
  assert.deepEqual(checkSavePath(path.join(dir, 'a', '..', 'tree.MD'), 'md'), { ok: true, path: path.join(dir, 'tree.MD') }, 'normalized; case of the extension kept');
  assert.deepEqual(checkSavePath(path.join(dir, 'tree.markdown'), 'md'), { ok: true, path: path.join(dir, 'tree.markdown') });
  const refused: [string, Parameters<typeof checkSavePath>[1], RegExp][] = [
    ['tree.svg', 'svg', /not an absolute path/],
    [path.join(dir, 'tree.json'), 'png', /not a \.png file/],
    [path.join(dir, 'tree.svg.exe'), 'svg', /not a \.svg file/],
    [path.join(dir, 'missing', 'tree.json'), 'json', /does not exist/],
    [path.join(dir, 'sub.svg'), 'svg', /is a folder/],
    ['', 'md', /no file name/],
    [`${dir}/tr\u0000ee.md`, 'md', /no file name/],
  ];
  for (const [file, format, why] of refused) {
    const r = checkSavePath(file, format);
    assert.equal(r.ok, false, file);
    if (!r.ok) assert.match(r.error, why, file);
  }
});

test('the export message is checked before the host acts; the bytes match their format', () => {
  const ok = parseWebviewMessage({ type: 'exportedTree', format: 'png', name: 'σ^29(ab)-round-12', content: PNG_1x1 });
  assert.ok(ok.ok);
  if (ok.ok && ok.value.type === 'exportedTree') assert.deepEqual([...exportBytes(ok.value).subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  const bad: [unknown, RegExp][] = [
    [{ type: 'exportedTree', format: 'exe', name: 'x', content: 'x' }, /format is not one of svg, png, json, md/],
    [{ type: 'exportedTree', format: 'svg', name: '', content: '<svg></svg>' }, /name is not a file name/],
    [{ type: 'exportedTree', format: 'svg', name: 'x', content: '<script>alert(1)</script>' }, /not an SVG document/],
    [{ type: 'exportedTree', format: 'png', name: 'x', content: 'not base64!' }, /not a PNG in base64/],
    [{ type: 'exportedTree', format: 'json', name: 'x', content: '[1]' }, /not a JSON object/],
    [{ type: 'exportedTree', format: 'md', name: 'x', content: 42 }, /content is not a string/],
  ];
  for (const [m, why] of bad) {
    const r = parseWebviewMessage(m);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, why);
  }
  assert.throws(() => exportBytes({ type: 'exportedTree', format: 'json', name: 'x', content: '{not json' }));
  assert.throws(() => exportBytes({ type: 'exportedTree', format: 'png', name: 'x', content: 'iVBORw0K' }), /not a PNG image/);
  assert.throws(() => exportBytes({ type: 'exportedTree', format: 'png', name: 'x', content: 'R0lGODlhAQABAAAAACw=' }), /not a PNG image/);
  assert.equal(suggestedFileName('σ^29(ab)-round-12', 'svg'), 'σ^29(ab)-round-12.svg');
  assert.equal(suggestedFileName('../../etc/passwd', 'md'), 'etc-passwd.md');
  assert.equal(suggestedFileName('..', 'json'), 'tree.json');
});
