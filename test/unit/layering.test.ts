/**
 * The layers (README "Layout"): every import in src/ and webview/ goes downward.
 *
 *   webview/ → src/protocol/
 *   src/extension/ → src/protocol/, src/engine/ → src/learner/ → src/core/
 *   src/cli/ → src/engine/ (→ src/learner/ → src/core/)
 *
 * A layer may import any layer below it (src/extension a type of src/learner, src/cli the learner
 * factory it hands to the engine). Packages have their places too: vscode only in src/extension,
 * TensorFlow.js only in src/learner, no Node built-in where the code runs in the browser sandbox or
 * is pure TypeScript. Imports are read with TypeScript's scanner, so that `import type` counts and
 * an import in a string (the task template) does not. ESLint (eslint.config.mjs) forbids most of
 * these too, file by file; this test holds the whole table in one place, packages included.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../../..');

type Layer = 'src/core' | 'src/learner' | 'src/engine' | 'src/protocol' | 'src/extension' | 'src/cli' | 'webview';

/** What each layer imports directly; below that, what those import (closed under `below`). */
const DIRECT: Record<Layer, Layer[]> = {
  'src/core': [],
  'src/learner': ['src/core'],
  'src/engine': ['src/learner'],
  'src/protocol': [],
  'src/extension': ['src/protocol', 'src/engine'],
  'src/cli': ['src/engine'],
  webview: ['src/protocol'],
};
const LAYERS = Object.keys(DIRECT) as Layer[];

function below(layer: Layer): Set<Layer> {
  const found = new Set<Layer>();
  const visit = (l: Layer) => DIRECT[l].forEach((d) => {
    if (!found.has(d)) {
      found.add(d);
      visit(d);
    }
  });
  visit(layer);
  return found;
}

const NODE_BUILTINS = new Set(builtinModules);
/** `node:fs`, `fs`, `fs/promises`. */
const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);
/** The package an import names: `@scope/name` or `name`. */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/** The layers a package may be imported from, and why there. */
const PACKAGES: { test(pkg: string): boolean; what: string; layers: Layer[] }[] = [
  { test: (p) => p === 'vscode', what: 'vscode (the extension host API)', layers: ['src/extension'] },
  // The engine reaches TensorFlow.js only through src/learner: it imports no @tensorflow/* package today, so no exception.
  { test: (p) => p.startsWith('@tensorflow/'), what: 'TensorFlow.js', layers: ['src/learner'] },
  { test: (p) => p === 'esbuild', what: 'esbuild (compiles user task files: src/engine/task-loader.ts)', layers: ['src/engine'] },
  { test: (p) => p.startsWith('d3-'), what: 'd3 (the Explorer draws with it)', layers: ['webview'] },
];
/** Where Node's built-ins may be imported: not in the browser sandbox, nor in the pure-TypeScript layers it shares. */
const NODE_LAYERS: Layer[] = ['src/learner', 'src/engine', 'src/extension', 'src/cli'];

/** The .ts files under `dir` of `base`, relative to `base`. */
function tsFiles(base: string, dir: string): string[] {
  return fs.readdirSync(path.join(base, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(base, rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  }).sort();
}

function layerOf(file: string): Layer | undefined {
  const [top, second] = file.split('/');
  const layer = (top === 'webview' ? top : `${top}/${second}`) as Layer;
  return LAYERS.includes(layer) && file.split('/').length > (top === 'webview' ? 1 : 2) ? layer : undefined;
}

/** The file a relative import names (`./x` → x.ts or x/index.ts), relative to `base`; undefined if there is none. */
function resolveRelative(base: string, from: string, spec: string): string | undefined {
  const named = path.posix.join(path.posix.dirname(from), spec);
  return [`${named}.ts`, `${named}/index.ts`, named].find((f) => fs.statSync(path.join(base, f), { throwIfNoEntry: false })?.isFile());
}

/** What a file imports (import, export … from, import(), require()), as written. */
function importsOf(base: string, file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(path.join(base, file), 'utf8'), true, true).importedFiles.map((i) => i.fileName);
}

/** Every import in `files` (relative to `base`) that breaks the layering, as a line that says why. */
function violations(base: string, files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    if (!layer) {
      out.push(`${file}: in no layer (${LAYERS.join(', ')})`);
      continue;
    }
    for (const spec of importsOf(base, file)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(base, file, spec);
        const to = target && layerOf(target);
        if (!target) out.push(`${file}: '${spec}' names no file`);
        else if (!to) out.push(`${file}: '${spec}' is ${target}, in no layer`);
        else if (to !== layer && !below(layer).has(to)) out.push(`${file}: '${spec}' — ${layer} may not import ${to} (it imports ${[...below(layer)].join(', ') || 'nothing else'})`);
      } else if (isNodeBuiltin(spec)) {
        if (!NODE_LAYERS.includes(layer)) out.push(`${file}: '${spec}' — no Node built-ins in ${layer} (only in ${NODE_LAYERS.join(', ')})`);
      } else {
        const pkg = packageOf(spec);
        const rule = PACKAGES.find((p) => p.test(pkg));
        if (!rule) out.push(`${file}: '${spec}' — a package this test does not place: add it to PACKAGES with the layers that may use it`);
        else if (!rule.layers.includes(layer)) out.push(`${file}: '${spec}' — ${rule.what} only in ${rule.layers.join(', ')}`);
      }
    }
  }
  return out;
}

test('every import in src/ and webview/ goes downward, and every package is imported where it belongs', () => {
  const sources = [...tsFiles(root, 'src'), ...tsFiles(root, 'webview')];
  assert.ok(sources.length > 100, `found ${sources.length} .ts files under src/ and webview/`);
  assert.deepEqual(violations(root, sources), []);
});

/** The Node bundles scripts/build.mjs makes (entry → outfile), the extension host's among them. */
function nodeBundles(): { entry: string; outfile: string }[] {
  const build = fs.readFileSync(path.join(root, 'scripts/build.mjs'), 'utf8');
  return [...build.matchAll(/entryPoints: \['([^']+)'\], outfile: '([^']+)'/g)].map((m) => ({ entry: m[1], outfile: m[2] })).filter((b) => b.entry.startsWith('src/'));
}

/** The files a bundle's entry reaches through relative imports, and the packages they import. */
function reach(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of importsOf(root, file)) {
      const target = spec.startsWith('.') ? resolveRelative(root, file, spec) : undefined;
      if (target) visit(target);
      else if (!spec.startsWith('.') && !packages.has(packageOf(spec))) packages.set(packageOf(spec), file);
    }
  };
  visit(entry);
  return { files, packages };
}

test('only the extension host bundle reaches vscode: the task sandbox, the CLI and the workers run in plain Node', () => {
  const bundles = nodeBundles();
  assert.ok(bundles.some((b) => b.outfile === 'dist/extension.js') && bundles.some((b) => b.outfile === 'dist/task-sandbox.js'), `bundles read from scripts/build.mjs: ${bundles.map((b) => b.outfile).join(', ')}`);
  for (const b of bundles.filter((x) => x.outfile !== 'dist/extension.js')) {
    const by = reach(b.entry).packages.get('vscode');
    assert.equal(by, undefined, `${b.outfile} (${b.entry}) reaches vscode through ${by}`);
  }
});

test('the layering check finds an upward import, a package out of place and a Node built-in in the webview', () => {
  // A miniature tree in a scratch folder, with the layers' names.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layering-'));
  try {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('src/protocol/explorer.ts', 'export type TreeView = { pin: string };\n');
    write('src/engine/views.ts', "import type { TreeView } from '../protocol/explorer';\nexport const v: TreeView[] = [];\n");
    write('src/engine/ui.ts', "import * as vscode from 'vscode';\nexport const w = vscode;\n");
    write('src/extension/ok.ts', "import type { TreeView } from '../protocol/explorer';\nimport * as vscode from 'vscode';\nexport const t = `import x from '../cli/main'`;\nexport const x: TreeView | typeof vscode | undefined = undefined;\n");
    write('webview/app.ts', "import * as fs from 'node:fs';\nexport const f = fs;\n");
    assert.deepEqual(violations(dir, [...tsFiles(dir, 'src'), ...tsFiles(dir, 'webview')]), [
      "src/engine/ui.ts: 'vscode' — vscode (the extension host API) only in src/extension",
      "src/engine/views.ts: '../protocol/explorer' — src/engine may not import src/protocol (it imports src/learner, src/core)",
      "webview/app.ts: 'node:fs' — no Node built-ins in webview (only in src/learner, src/engine, src/extension, src/cli)",
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
