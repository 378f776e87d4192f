/**
 * The getting-started walkthrough (contributes.walkthroughs): every command it names is
 * contributed (and registered), every markdown file exists, every step has a completion event,
 * and a context key it waits for is set by the extension.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

interface Step { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: Step[] }[] } };

/** Every source file of the extension, to find where commands are registered and context keys set. */
function sources(dir: string): string {
  return fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? fs.readFileSync(path.join(dir, e.name), 'utf8') : '')).join('\n');
}

test('walkthrough: a first run, a round, a node, an override and a task check, each with its markdown and completion event', () => {
  const [wt] = pkg.contributes.walkthroughs;
  assert.ok(wt, 'one walkthrough');
  assert.deepEqual(wt.steps.map((s) => s.id), ['newRun', 'stepRound', 'inspect', 'override', 'checkTask']);
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  const src = sources('src/extension');
  for (const step of wt.steps) {
    assert.ok(step.title && step.description, `${step.id}: a title and a description`);
    const md = step.media.markdown;
    assert.ok(md && fs.existsSync(md) && fs.readFileSync(md, 'utf8').trim().length > 100, `${step.id}: its markdown ${md} exists`);
    assert.ok(step.completionEvents && step.completionEvents.length > 0, `${step.id}: a completion event`);
    const named = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    for (const ev of step.completionEvents!) {
      const [kind, arg] = [ev.slice(0, ev.indexOf(':')), ev.slice(ev.indexOf(':') + 1)];
      if (kind === 'onCommand') named.push(arg);
      else if (kind === 'onContext') assert.ok(src.includes(`'${arg}'`) && src.includes("'setContext'"), `${step.id}: the extension sets the context key ${arg}`);
      else assert.fail(`${step.id}: an unexpected completion event ${ev}`);
    }
    assert.ok(named.length > 0, `${step.id}: names a command`);
    for (const c of named) {
      assert.ok(contributed.has(c), `${step.id}: ${c} is in contributes.commands`);
      assert.ok(src.includes(`'${c}'`), `${step.id}: ${c} is registered by the extension`);
    }
  }
});
