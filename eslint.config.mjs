// ESLint flat config: typescript-eslint's recommended rules over src/, webview/, test/ and scripts/.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layering: `restrict(why, ...regexes)` forbids the imports any of the regexes match.
const restrict = (why, ...regexes) => ({ 'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message: `${why}.` })) }] });
/** A sibling layer of src/ reached by a relative path from inside src/ (`../engine/run`, `../../engine/run`). */
const up = (...layers) => `^(\\.\\./)+(${layers.join('|')})(/|$)`;
/** A layer of src/ reached from outside src/ (`../../src/engine/run`). */
const src = (...layers) => `^(\\.\\./)+src/(${layers.join('|')})(/|$)`;
const VSCODE = '^vscode$';
const TFJS = '^@tensorflow/';
const NODE = `^(node:|(${builtinModules.join('|')})(/|$))`;

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', 'test/fixtures/invalid/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always'],
      'no-constant-condition': ['error', { checkLoops: false }],
      // H may answer without asking anything: a generator without yield is fine.
      'require-yield': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
  },
  // The layers (README "Layout"): each imports only the layers below it.
  { files: ['webview/**/*.ts'], rules: restrict('webview/ runs in the browser sandbox and knows the host only through src/protocol', src('engine', 'learner', 'extension', 'cli'), VSCODE, TFJS, NODE) },
  { files: ['src/protocol/**/*.ts'], rules: restrict('src/protocol is pure TypeScript shared with the webview bundle', up('engine', 'learner', 'extension', 'cli', 'webview'), VSCODE, TFJS, NODE) },
  { files: ['src/engine/**/*.ts'], rules: restrict('src/engine runs in the CLI and the worker too: no extension, no vscode, no webview protocol (the Explorer\'s views are built in src/extension/explorer/)', up('extension', 'cli', 'protocol'), VSCODE) },
  { files: ['src/learner/**/*.ts'], rules: restrict('src/learner sits below src/engine: of src/ it imports only src/core', up('engine', 'extension', 'cli', 'protocol'), VSCODE) },
  { files: ['src/core/**/*.ts'], rules: restrict('src/core is pure TypeScript and depends on nothing above it', up('engine', 'learner', 'extension', 'cli', 'protocol'), VSCODE, TFJS, NODE, '^esbuild$') },
);
