// amplify train --expert-source human|H|both and --transcripts FILE: the person's transcripts are
// copied into the new run, H is never called, --json reports H′'s agreement with the person.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { humanTranscriptsFile, readPlayRecords } from '../../../src/engine/human-transcripts';
import { RunFolder } from '../../../src/engine/run-folder';
import { fakeFactoryWithExpert } from '../engine/fake-learner';
import { jsonLines, personRecords, pp } from '../engine/expert-source-person';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, fakeFactoryWithExpert(pp));
  return { code, out, err };
}

const learnedH = ['train', '--task', 'permutation-powering', '--mode', 'amplify-learned-h', '--steps-per-round', '1', '--batch', '8', '--contexts', '2', '--eval-contexts', '1', '--expert-steps', '2'];

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'amp-expert-source-'));
}

test('amplify train --expert-source human --transcripts FILE: copies the task\'s transcripts, never calls H, --json reports the agreement with the person', async () => {
  const dir = tmp();
  const file = path.join(dir, 'people.jsonl');
  const records = personRecords('cli/person', 40);
  const other = { ...records[0], task: 'union-find', transcript: { ...records[0].transcript, task: 'union-find' } };
  fs.writeFileSync(file, jsonLines([...records, other]) + 'not json\n');
  const out = path.join(dir, 'run');
  const r = await run([...learnedH, '--expert-source', 'human', '--transcripts', file, '--rounds', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /people\.jsonl: left out 1 of other tasks, 1 invalid \(line 42: not JSON/);
  assert.match(r.err, /H′ learns from the person's transcripts in .*human\/transcripts\.jsonl/);
  assert.match(r.err, /^round 2 .*calls to H 0 {2}H′ agrees with the person [\d.]+%/m);
  const j = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(j.callsToH, 0);
  assert.equal(j.expertSource, 'human');
  assert.equal(j.expertData.source, 'human');
  assert.equal(j.expertData.transcriptsOfH, 0);
  assert.equal(j.expertData.human + j.expertData.heldOut, 40);
  assert.equal(typeof j.humanAgreement, 'number');
  assert.equal(j.expertAgreement, null, 'no agreement with H: H was not called');
  assert.equal(readPlayRecords(humanTranscriptsFile(out)).records.length, 40, "only this task's valid records are copied");
  assert.equal(RunFolder.open(out).meta().config.expertSource, 'human');
  // The final table says where H′'s data came from.
  const table = await run([...learnedH, '--expert-source', 'both', '--transcripts', file, '--rounds', '1', '--expert-calls', '3', '--out', path.join(dir, 'both')]);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^H′ learned from H's transcripts and a person's \d+; it reproduces [\d.]+% of the person's \d+ held-out transcripts$/m);
  assert.match(table.out, /calls to H 3 /);
});

test('amplify train --expert-source: usage errors exit 2 with a clear message', async () => {
  const dir = tmp();
  const file = path.join(dir, 'people.jsonl');
  fs.writeFileSync(file, jsonLines(personRecords('cli/usage', 10)));
  const cases: [string[], RegExp][] = [
    [[...learnedH, '--expert-source', 'human', '--out', path.join(dir, 'a')], /no transcript of a person to train H′ on in .*a\/human\/transcripts\.jsonl\. Record some with 'amplify play permutation-powering --run/],
    [[...learnedH, '--expert-source', 'robots'], /--expert-source must be one of H, human, both \(got 'robots'\)/],
    [[...learnedH, '--transcripts', file, '--out', path.join(dir, 'b')], /--transcripts .* needs --expert-source human or both/],
    [[...learnedH, '--expert-source', 'human', '--transcripts', path.join(dir, 'missing.jsonl'), '--out', path.join(dir, 'c')], /no transcripts file .*missing\.jsonl/],
    [['train', '--task', 'permutation-powering', '--expert-source', 'human', '--transcripts', file, '--out', path.join(dir, 'd')], /expert source human needs a mode with H′ \(amplify-learned-h\)/],
    [['train', '--resume', path.join(dir, 'e'), '--transcripts', file], /--transcripts applies to a new run/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out} ${r.err}`);
    assert.match(r.err, pattern);
  }
  for (const d of ['a', 'b', 'c', 'd']) assert.ok(!fs.existsSync(path.join(dir, d, 'run.json')), `${d}: no run was made`);
  assert.ok(!fs.existsSync(path.join(dir, 'd', 'human')), 'nothing was copied for a config that is refused');
  const help = await run(['train', '--help']);
  assert.match(help.out, /--expert-source S +modes with H′: what H′ learns from: H \(default\) \| human/);
  assert.match(help.out, /--transcripts FILE/);
});
