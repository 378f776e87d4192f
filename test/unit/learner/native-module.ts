// Checks shared by the tests of our wasm kernels (src/learner/native/): a committed module is the
// one its C source (and the headers it includes) builds and touches only the memory it imports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A generated module's export (see scripts/build-native.mjs). */
export interface NativeModule {
  sourceSha256: string;
  compiler: string;
  base64: string;
}

/** The section ids of a wasm binary, in order. */
export function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    ids.push(bytes[i++]);
    let len = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[i++];
      len |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    i += len;
  }
  return ids;
}

/**
 * The SHA-256 of a kernel's C source followed by the local headers it includes (`#include "x.h"`,
 * recursively, each once, in order of inclusion): what scripts/build-native.mjs records.
 */
export function sourceSha256(name: string): string {
  const hash = createHash('sha256');
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(`src/learner/native/${file}`);
    hash.update(text);
    for (const m of text.toString('utf8').matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) visit(m[1]);
  };
  visit(`${name}.c`);
  return hash.digest('hex');
}

/**
 * Asserts that `module` was built from `name`.c (src/learner/native/) and its headers as they are now, imports only
 * the memory, exports exactly `exports` and has no data segment; and, when the same clang is
 * installed, that rebuilding every kernel gives the committed bytes (`build-native.mjs --check`).
 */
export function assertNativeModule(name: string, module: NativeModule, exports: string[]): void {
  assert.equal(sourceSha256(name), module.sourceSha256, `${name}.c or a header it includes changed since the binary was built: run \`npm run build\` with clang installed and commit src/learner/native/${name}-wasm.ts`);
  const bytes = Buffer.from(module.base64, 'base64');
  const compiled = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(compiled), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.deepEqual(WebAssembly.Module.exports(compiled).map((e) => e.name).sort(), [...exports].sort());
  // No data segment (11) or data count (12): instantiating it writes nothing into the backend's heap.
  const ids = sectionIds(bytes);
  assert.ok(!ids.includes(11) && !ids.includes(12), `sections ${ids.join(', ')}`);
  const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  if (clang.status !== 0 || clang.stdout.split('\n')[0].trim() !== module.compiler) {
    console.log(`# rebuild comparison skipped: needs ${module.compiler}`);
    return;
  }
  const check = spawnSync(process.execPath, ['scripts/build-native.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 0, `rebuilding from the sources gives other binaries: ${check.stderr}`);
}
