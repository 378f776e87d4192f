/**
 * A fake X for testing the engine's mechanics without TensorFlow.js: it memorises the target of a
 * (facts, question) pair after seeing it `learnAfter` times in training batches, and answers '?'
 * for anything it has not learned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExpertRun, questionKey, type Answer, type AnyTask } from '../../../src/core/index';
import type { LearnerFactory } from '../../../src/engine/run';
import type { ExpertAction, ModelH, ModelX, PartialTranscript, Prediction, QueryItem, TrainingExample } from '../../../src/learner/types';

const key = (i: QueryItem) => `${i.facts.map((f) => f.join(' ')).join(';')}|${questionKey(i.question)}`;

export class FakeModel implements ModelX {
  readonly backend = 'cpu' as const;
  readonly preset = 'tiny' as const;
  step = 0;
  seen = new Map<string, number>();
  learned = new Map<string, Answer>();
  batches: number[] = [];
  predictCalls: { n: number; teacher: boolean }[] = [];

  constructor(readonly learnAfter = 2) {}

  predict(items: readonly QueryItem[], options: { teacher?: boolean; topK?: number } = {}): Prediction[] {
    this.predictCalls.push({ n: items.length, teacher: Boolean(options.teacher) });
    return items.map((i) => {
      const answer = this.learned.get(key(i)) ?? ['?'];
      return { answer, probability: 1, top: [{ answer, probability: 1 }] };
    });
  }

  trainStep(batch: readonly TrainingExample[]) {
    this.step++;
    this.batches.push(batch.length);
    let known = 0;
    for (const e of batch) {
      const k = key(e);
      const n = (this.seen.get(k) ?? 0) + 1;
      this.seen.set(k, n);
      if (n >= this.learnAfter) this.learned.set(k, e.answer);
      if (this.learned.has(k)) known++;
    }
    return { loss: 1 - known / batch.length, accuracy: known / batch.length, gradNorm: 0 };
  }

  async save(dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'fake-model.json'), JSON.stringify({ step: this.step, seen: [...this.seen], learned: [...this.learned], learnAfter: this.learnAfter }));
  }

  static load(dir: string): FakeModel {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'fake-model.json'), 'utf8'));
    const m = new FakeModel(j.learnAfter);
    m.step = j.step;
    m.seen = new Map(j.seen);
    m.learned = new Map(j.learned);
    return m;
  }

  numTensors() {
    return 0;
  }

  dispose() {}
}

export function fakeFactory(learnAfter = 2): LearnerFactory & { models: FakeModel[] } {
  const models: FakeModel[] = [];
  return {
    models,
    async create() {
      const m = new FakeModel(learnAfter);
      models.push(m);
      return m;
    },
    async load(dir) {
      const m = FakeModel.load(dir);
      models.push(m);
      return m;
    },
    versions: () => ({ learner: 'fake' }),
  };
}

/** An X that always knows the answer (permutation powering only: σ is read off the facts). */
export function permutationOracleFactory(): LearnerFactory {
  const make = () => {
    const m = new FakeModel();
    m.predict = (items) =>
      items.map((i) => {
        const sigma = new Map(i.facts.map((f) => [f[0], f[1]]));
        const k = parseInt(i.question.slice(1, 7).join(''), 2);
        let y: string | undefined = i.question[7];
        for (let j = 0; j < k && y !== undefined; j++) y = sigma.get(y);
        const answer = y === undefined ? ['?'] : [y];
        return { answer, probability: 0.9, top: [{ answer, probability: 0.9 }] };
      });
    return m;
  };
  return { create: async () => make(), load: async () => make(), versions: () => ({ learner: 'oracle' }) };
}

/**
 * A fake H′ that imitates H perfectly once it has seen `learnAfter` training transcripts (it runs the
 * real H on the partial transcript), and answers '?' before that.
 */
export class FakeExpert implements ModelH {
  readonly backend = 'cpu' as const;
  readonly preset = 'tiny' as const;
  step = 0;
  seen = 0;
  nextCalls: { n: number; forceAnswer: boolean }[] = [];

  constructor(readonly task: AnyTask, readonly learnAfter = 1) {}

  next(states: readonly PartialTranscript[], options: { forceAnswer?: boolean } = {}): ExpertAction[] {
    this.nextCalls.push({ n: states.length, forceAnswer: Boolean(options.forceAnswer) });
    return states.map((st) => {
      if (this.seen < this.learnAfter) return { answer: ['?'] };
      const run = new ExpertRun(this.task, st.question);
      for (const s of st.steps) {
        if (run.done) break;
        run.resume(s.answer, 'X');
      }
      if (!run.done && run.pending && !options.forceAnswer) return { ask: run.pending };
      return { answer: run.done ? run.answer : ['?'] };
    });
  }

  trainStep(batch: readonly (PartialTranscript & { answer: readonly string[] })[]) {
    this.step++;
    this.seen += batch.length;
    return { loss: this.seen >= this.learnAfter ? 0 : 1, tokenAccuracy: this.seen >= this.learnAfter ? 1 : 0 };
  }

  async save(dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'fake-expert.json'), JSON.stringify({ step: this.step, seen: this.seen, task: this.task.name }));
  }

  numTensors() {
    return 0;
  }

  dispose() {}
}

export function fakeFactoryWithExpert(task: AnyTask): LearnerFactory & { models: FakeModel[]; experts: FakeExpert[] } {
  const base = fakeFactory();
  const experts: FakeExpert[] = [];
  return {
    ...base,
    async createExpert() {
      const e = new FakeExpert(task);
      experts.push(e);
      return e;
    },
    async loadExpert(dir) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, 'fake-expert.json'), 'utf8'));
      const e = new FakeExpert(task);
      e.step = j.step;
      e.seen = j.seen;
      experts.push(e);
      return e;
    },
    experts,
  };
}
