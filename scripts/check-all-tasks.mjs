// The acceptance check of the core through the real `amplify` executable: every built-in task is
// consistent at sizes 8, 16, 32 and 64 with 2,000 samples each, the README's example task passes,
// a deliberately broken expert makes `amplify check` exit 1 with a counterexample, and
// `amplify experiment figure2 --curriculum` trains, stops at its budget and resumes with --keep.
import { spawnSync } from 'node:child_process';

const tasks = ['permutation-powering', 'sequential-assignments', 'wildcard-search', 'shortest-path', 'union-find'];
const curriculum = ['experiment', 'figure2', '--curriculum', '--tasks', 'permutation-powering', '--modes', 'amplify', '--model', 'tiny', '--contexts', '4', '--out', 'out/test-cli/curriculum'];
const cases = [
  ...tasks.map((t) => ({ args: ['check', t, '--size', '8,16,32,64', '--samples', '2000'], code: 0, expect: /✓ .*H agrees with ground truth on 8000 samples/ })),
  { args: ['check', 'examples/range-max.task.ts', '--samples', '2000'], code: 0, expect: /✓ range-max: H agrees/ },
  { args: ['check', 'test/fixtures/broken-expert.task.ts', '--samples', '500'], code: 1, expect: /✗ mismatch at size/ },
  { args: ['tree', 'shortest-path', '--size', '16', '--depth', '2'], code: 0, expect: /\[H\]/ },
  // A curriculum experiment with the real learner (tiny X, 4 contexts a round) on a budget of questions, then resumed with --keep.
  { args: [...curriculum, '--budget-questions', '64'], code: 0, expect: /budget of 64 training questions used \(64\)[^]*amplify \(curr\.\) .* 64 +8 +—/ },
  { args: [...curriculum, '--budget-questions', '96', '--keep'], code: 0, expect: /resumed after 2 rounds[^]*budget of 96 training questions used \(96\)/ },
];
let passed = 0;
let failed = 0;
for (const c of cases) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['bin/amplify.js', ...c.args], { encoding: 'utf8' });
  const ok = r.status === c.code && c.expect.test(r.stdout);
  const last = r.stdout.trim().split('\n').pop();
  console.log(`${ok ? 'ok  ' : 'FAIL'} amplify ${c.args.join(' ')}  (exit ${r.status}, ${((Date.now() - started) / 1000).toFixed(1)}s)  ${last}`);
  if (!ok) console.log(r.stdout.slice(-3000), r.stderr.slice(-3000));
  if (ok) passed++;
  else failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
