/**
 * A run: a sequence of rounds. A round goes through named phases: `targets` samples contexts and
 * questions at the current size N and lets the run's mode (`modes/`) build their targets (Amplify^H
 * with the EMA teacher answering non-primitive subquestions and lookup answering primitives, or H′
 * in place of H, or ground truth for the baseline); `train` appends them to the replay buffer and
 * trains X; `evaluate` measures X against ground truth on held-out contexts per question class;
 * `curriculum` moves the gate on X's agreement with its targets (curriculum-gate.ts; it never looks at ground truth);
 * `record` counts the round into the run's state and its record, and keeps a sample of its targets
 * with who made them (targets.jsonl, target-sample.ts).
 */
import * as path from 'node:path';
import {
  amplifyMany, createRng, expandHCH, walkHCH, groundTruth, resolveSize, hash32, makeContext, makeQuestion, overrideAnswerer, questionKey, sameTuple,
  taskVocabulary, tupleProblem, UNKNOWN, type Answer, type AnswerRequest, type AnyContext, type AnyTask, type InstanceId, type Question, type Rng,
} from '../core/index';
import type { LearnerFactory } from '../learner/factory';
import type { ExpertTranscript, ModelH, ModelX, TrainingExample } from '../learner/types';
import { checkAnswer, checkQuestion } from '../core/validate-input';
import { ContextBuffer, ReplayBuffer } from './buffer';
import { DEFAULT_EXPERT_MODEL, modeSpec, type RoundTargets } from './modes/index';
import { writeJsonAtomic } from './files';
import { modelAnswerer, predictInBatches } from './model-answers';
import { freshState, validateConfig } from './run-config';
import { sampleTargets } from './target-sample';
import { curriculumGate, gateRule, type GateAverages } from './curriculum-gate';
import { DEFAULT_EXPERT_SOURCE, humanTranscriptsFile, readHumanData, requireHumanData } from './human-transcripts';
import { CorruptCheckpointError, RunFolder, RunFolderError, editKey, readChecked, type Overrides } from './run-folder';
import {
  RUN_FORMAT_VERSION, type NodeAnswers, type PinnedAnswer, type PinnedQuestion, type RoundRecord, type RunConfig, type RunMeta, type RunState, type TargetMaker, type TargetSample,
} from './run-types';

export type { LearnerFactory };
export { DEFAULT_CONFIG, newRunId, validateConfig } from './run-config';
export { modelAnswerer, predictInBatches } from './model-answers';

export type Phase = 'targets' | 'train' | 'eval' | 'pinned' | 'checkpoint';

type TargetRequest = AnswerRequest & { instance: InstanceId };

/** What the targets phase hands to the later phases. */
interface RoundTargetSet {
  requests: TargetRequest[];
  /** One training example per request: the target X learns. */
  examples: TrainingExample[];
  /** Each target: its class, who made it, whether it is right (targets.jsonl keeps a sample). */
  samples: TargetSample[];
  /** What the mode built (its transcripts, calls to H, H′'s round). */
  built: RoundTargets;
  /** X's agreement (0/1) with a sample of the targets, before training. */
  agreements: number[];
  /** The class of each sampled target (the task's `classify`), in `agreements`' order: reported per class. */
  agreementClasses: string[];
  /** The `grounded` gate: X's agreement (0/1) with a sample of the grounded targets (built without a subanswer of X's). */
  groundedAgreements: number[];
  overridesUsed: number;
  faultsInjected: number;
  subquestionsToX: number;
  /** Targets dropped because they cannot be trained on (each as "question → answer: why"). */
  dropped: string[];
}

/** Up to n items, in their original order, chosen uniformly without replacement. */
function sampleWithoutReplacement<T>(items: readonly T[], n: number, rng: { int(n: number): number }): T[] {
  if (items.length <= n) return [...items];
  const idx = items.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => items[i]);
}

function isUnknown(a: Answer): boolean {
  return a.length === 1 && a[0] === UNKNOWN;
}

function fraction(n: number, d: number): number {
  return d === 0 ? 0 : n / d;
}

function byClass(entries: readonly { cls: string; ok: boolean }[]): Record<string, number> {
  const acc: Record<string, [number, number]> = {};
  for (const e of entries) {
    const a = (acc[e.cls] ??= [0, 0]);
    a[0] += e.ok ? 1 : 0;
    a[1] += 1;
  }
  return Object.fromEntries(Object.entries(acc).sort(([a], [b]) => a.localeCompare(b)).map(([k, [n, d]]) => [k, n / d]));
}

export class Run {
  readonly buffer: ContextBuffer;
  private evalSets = new Map<number, { ctx: AnyContext; instance: InstanceId; question: Question; truth: Answer; cls: string }[]>();
  private contextInstances = new WeakMap<AnyContext, InstanceId>();
  /** Single-symbol answers seen in ground truth: the pool that wrong (fault) answers come from. */
  private readonly answerSymbols: string[];
  private sessionStart = Date.now();

  /** H's transcripts that train H′ (modes that need H′). */
  readonly expertBuffer: ReplayBuffer<ExpertTranscript>;

  private constructor(
    readonly task: AnyTask,
    readonly config: RunConfig,
    readonly model: ModelX,
    readonly folder: RunFolder | undefined,
    readonly state: RunState,
    buffer: ContextBuffer,
    readonly expert?: ModelH,
    expertBuffer?: ReplayBuffer<ExpertTranscript>,
  ) {
    this.buffer = buffer;
    this.expertBuffer = expertBuffer ?? new ReplayBuffer<ExpertTranscript>(config.bufferSize);
    this.answerSymbols = this.sampleAnswerSymbols();
  }

  /** Starts a new run (in `dir` when given: the run folder is created). */
  static async create(task: AnyTask, config: RunConfig, factory: LearnerFactory, dir?: string, taskFile?: string): Promise<Run> {
    validateConfig(task, config);
    if ((config.expertSource ?? DEFAULT_EXPERT_SOURCE) !== 'H') requireHumanData(task, config.expertSource!, dir);
    const model = await createModel(factory, task, config);
    let folder: RunFolder | undefined;
    if (dir) {
      const meta: RunMeta = {
        formatVersion: RUN_FORMAT_VERSION, id: path.basename(path.resolve(dir)), createdAt: new Date().toISOString(), taskName: task.name,
        ...(taskFile ? { taskFile: path.resolve(taskFile) } : {}), config, backend: model.backend, threads: model.threads ?? 1, versions: { ...factory.versions(), node: process.version },
      };
      folder = RunFolder.create(dir, meta);
    }
    const expert = modeSpec(config.mode).needs.learnedH ? await createExpert(factory, task, config) : undefined;
    return new Run(task, config, model, folder, freshState(config), new ContextBuffer(config.bufferSize, config.questionsPerContext), expert);
  }

  /**
   * Continues a run from its last checkpoint (after a pause, a crash or a kill), or with
   * `from: 'previous'` from the one before it (when the last is damaged). The checkpoint is checked
   * against its manifest first: a damaged one is a CorruptCheckpointError that names it and the
   * intact previous one, never a model trained from garbage.
   */
  static async resume(folder: RunFolder, task: AnyTask, factory: LearnerFactory, changes: Partial<Pick<RunConfig, 'rounds' | 'threads'>> = {}, from: 'last' | 'previous' = 'last'): Promise<Run> {
    const meta = folder.meta();
    const config = { ...meta.config, ...changes };
    if ((config.expertSource ?? DEFAULT_EXPERT_SOURCE) !== 'H') requireHumanData(task, config.expertSource!, folder.dir);
    let state = folder.state();
    if (!state || !state.hasModel || !state.checkpoint) {
      // Nothing was checkpointed (folder.state() refuses a missing state.json beside checkpoints): start at round 0.
      const expert = modeSpec(config.mode).needs.learnedH ? await createExpert(factory, task, config) : undefined;
      return new Run(task, config, await createModel(factory, task, config), folder, freshState(config), new ContextBuffer(config.bufferSize, config.questionsPerContext), expert);
    }
    if (from === 'previous') {
      if (!state.previousCheckpoint) throw new RunFolderError(`${folder.stateFile}: there is no previous checkpoint to resume from`, folder.stateFile);
      const problem = folder.checkpointProblem(state.previousCheckpoint);
      if (problem) throw new RunFolderError(`the previous checkpoint ${state.previousCheckpoint} is damaged too: ${problem}`, folder.checkpoint(state.previousCheckpoint).dir);
      state = { ...folder.checkpointState(state.previousCheckpoint), checkpoint: state.previousCheckpoint };
      delete state.previousCheckpoint;
    } else {
      const problem = folder.checkpointProblem(state.checkpoint);
      if (problem) {
        const dir = folder.checkpoint(state.checkpoint).dir;
        if (state.previousCheckpoint && !folder.checkpointProblem(state.previousCheckpoint)) {
          throw new CorruptCheckpointError(
            `checkpoint ${state.checkpoint} is damaged (${problem}); the previous checkpoint ${state.previousCheckpoint} is intact: resume from it (amplify train --resume DIR --from-checkpoint previous) to train round ${state.round} again`,
            dir, state.previousCheckpoint,
          );
        }
        throw new RunFolderError(`checkpoint ${state.checkpoint} is damaged (${problem}) and there is no intact previous checkpoint`, dir);
      }
    }
    const name = state.checkpoint!;
    const files = folder.checkpoint(name);
    const loaded = <T>(what: string, load: () => Promise<T>) => load().catch((e: unknown) => {
      throw new RunFolderError(`checkpoint ${name}: ${what} cannot be loaded: ${(e as Error).message}`, files.dir);
    });
    const model = await loaded('X', () => factory.load(files.dir, config.backend, config.threads));
    const buffer = ContextBuffer.fromJSON(readChecked(files.buffer, 'buffer'), config.bufferSize);
    let expert: ModelH | undefined;
    let expertBuffer: ReplayBuffer<ExpertTranscript> | undefined;
    if (modeSpec(config.mode).needs.learnedH) {
      if (!factory.loadExpert) throw new Error('this learner has no learned expert H′');
      const loadExpert = factory.loadExpert;
      expert = await loaded('H′', () => loadExpert(files.expert, config.backend, config.threads));
      expertBuffer = ReplayBuffer.fromJSON<ExpertTranscript>(readChecked(files.expertBuffer, 'expertBuffer'), config.bufferSize);
    }
    return new Run(task, config, model, folder, state, buffer, expert, expertBuffer);
  }

  get round(): number {
    return this.state.round;
  }

  /**
   * The overrides in force, read afresh from the run folder: the host writes them (a run never
   * does), so every round and every inspect sees the latest edits. None without a folder.
   */
  private overrides(): Overrides {
    return this.folder ? this.folder.overrides() : new Map();
  }

  /** The person's transcripts H′ learns from (expert source `human` or `both`), read afresh each round: people may add to them while the run trains. */
  private humanData() {
    if ((this.config.expertSource ?? DEFAULT_EXPERT_SOURCE) === 'H' || !this.folder) return {};
    return { human: readHumanData(this.task, humanTranscriptsFile(this.folder.dir)) };
  }

  private context(instance: InstanceId): AnyContext {
    const ctx = makeContext(this.task, instance);
    this.contextInstances.set(ctx, instance);
    return ctx;
  }

  private sampleAnswerSymbols(): string[] {
    const symbols = new Set<string>();
    for (let i = 0; i < 64; i++) {
      const instance = { size: this.config.size, seed: `${this.config.seed}/answers`, index: i };
      const ctx = makeContext(this.task, instance);
      const a = groundTruth(this.task, ctx, makeQuestion(this.task, instance, ctx)).answer;
      if (a.length === 1) symbols.add(a[0]);
    }
    return [...symbols].sort();
  }

  /** A wrong answer for fault injection, or undefined when this target stays as it is. */
  private fault(question: Question, answer: Answer, rng: { float(): number; int(n: number): number }): Answer | undefined {
    const f = this.config.fault;
    if (!f || f.rate <= 0 || this.answerSymbols.length < 2) return undefined;
    const others = this.answerSymbols.filter((s) => !(answer.length === 1 && answer[0] === s));
    if (f.kind === 'random') return rng.float() < f.rate ? [others[rng.int(others.length)]] : undefined;
    // Systematic: the same questions (by their text, in every context) always get the same wrong answer.
    if (hash32([this.config.seed, 'fault', questionKey(question)]) / 0x100000000 >= f.rate) return undefined;
    // The next symbol of the pool: never the right answer (a '?' or a longer answer gets the first).
    const i = answer.length === 1 ? this.answerSymbols.indexOf(answer[0]) : -1;
    return [this.answerSymbols[(i + 1) % this.answerSymbols.length]];
  }

  private evalSet(size: number) {
    let set = this.evalSets.get(size);
    if (!set) {
      set = [];
      for (let i = 0; i < this.config.evalContexts; i++) {
        const instance = { size, seed: `${this.config.seed}/eval`, index: i };
        const ctx = this.context(instance);
        for (let j = 0; j < this.config.questionsPerContext; j++) {
          const question = makeQuestion(this.task, instance, ctx, j);
          set.push({ ctx, instance, question, truth: groundTruth(this.task, ctx, question).answer, cls: this.task.classify(ctx, question) });
        }
      }
      this.evalSets.set(size, set);
    }
    return set;
  }

  /** Evaluates X (the student) on the held-out questions at a size. */
  evaluate(size = this.state.size): { accuracy: number; accuracyByClass: Record<string, number> } {
    const set = this.evalSet(size);
    const predictions = predictInBatches(this.model, set.map((e) => ({ facts: e.ctx.facts, question: e.question })), false, this.config.batchSize * 4);
    const entries = set.map((e, i) => ({ cls: e.cls, ok: sameTuple(predictions[i].answer, e.truth) }));
    return { accuracy: fraction(entries.filter((e) => e.ok).length, entries.length), accuracyByClass: byClass(entries) };
  }

  /** One round, phase by phase; appends its record to the run folder and checkpoints. */
  async runRound(onPhase?: (phase: Phase) => void): Promise<RoundRecord> {
    const t0 = performance.now();
    const round = this.state.round + 1;
    const size = this.state.size;
    const rng = createRng([this.config.seed, 'round', round]);
    onPhase?.('targets');
    const targets = this.targetsPhase(round, size, rng);
    const t1 = performance.now();
    onPhase?.('train');
    const training = this.trainPhase(targets, rng);
    const t2 = performance.now();
    onPhase?.('eval');
    const evaluation = this.evaluate(size);
    const gate = this.curriculumPhase(targets, training.stepsTrained);
    const t3 = performance.now();
    const record = this.recordPhase({ round, size, targets, training, evaluation, gate, seconds: { targets: t1 - t0, train: t2 - t1, eval: t3 - t2, total: performance.now() - t0 } });
    if (this.folder) {
      onPhase?.('pinned');
      const skipped = this.answerPinned(round, size).skipped;
      if (skipped.length > 0) record.warnings = [...(record.warnings ?? []), `skipped ${skipped.length} pinned question(s) that are not questions of ${this.task.name}: ${skipped.join('; ')}`];
      this.folder.appendTargets(sampleTargets(this.config.seed, round, targets.samples));
      this.folder.appendRound(record);
      onPhase?.('checkpoint');
      await this.checkpoint();
    }
    return record;
  }

  /**
   * The round's questions — fresh contexts at size N, plus (when they feed training) the overridden
   * pairs — and their targets, built by the run's mode; the user's overrides and injected faults
   * replace targets. Then X's agreement with the targets, before training on them (the gate).
   */
  private targetsPhase(round: number, size: number, rng: Rng): RoundTargetSet {
    const requests: TargetRequest[] = [];
    for (let i = 0; i < this.config.contextsPerRound; i++) {
      const instance = { size, seed: `${this.config.seed}/train/${round}`, index: i };
      const ctx = this.context(instance);
      for (let j = 0; j < this.config.questionsPerContext; j++) requests.push({ ctx, question: makeQuestion(this.task, instance, ctx, j), instance });
    }
    const overrides: Overrides = this.config.overridesFeedTraining ? this.overrides() : new Map();
    for (const { key } of overrides.values()) {
      if (!this.task.isPrimitive(key.question)) requests.push({ ctx: this.context(key.instance), question: key.question, instance: key.instance });
    }
    const overrideOf = (instance: InstanceId | undefined, q: Question) =>
      instance ? overrides.get(editKey({ instance, question: q }))?.answer : undefined;

    const answerer = overrideAnswerer((ctx, q) => overrideOf(this.contextInstances.get(ctx), q), modelAnswerer(this.model, true));
    const mode = modeSpec(this.config.mode);
    const built = mode.targets({
      task: this.task, config: this.config, requests, answerer, rng,
      ...(this.expert ? { learnedH: { model: this.expert, buffer: this.expertBuffer, ...this.humanData() } } : {}),
    });

    const counts = { overridesUsed: 0, faultsInjected: 0, subquestionsToX: 0 };
    const examples: TrainingExample[] = [];
    const samples: TargetSample[] = [];
    /** Targets that cannot be trained on (e.g. from an override typed before overrides were checked): never trained, reported. */
    const dropped: string[] = [];
    requests.forEach((r, i) => {
      const truth = groundTruth(this.task, r.ctx, r.question).answer;
      const t = built.transcripts[i];
      let answer: Answer = t ? t.answer : truth;
      let byOverride = false;
      let maker: TargetMaker = mode.maker;
      if (t) {
        for (const s of t.steps) {
          if (s.source === 'X') counts.subquestionsToX++;
          if (s.source === 'override') {
            counts.overridesUsed++;
            byOverride = true;
          }
        }
      }
      const own = overrideOf(r.instance, r.question);
      if (own) {
        answer = own;
        counts.overridesUsed++;
        byOverride = true;
        maker = 'override';
      } else {
        const wrong = this.fault(r.question, answer, rng);
        if (wrong) {
          answer = wrong;
          counts.faultsInjected++;
          maker = 'fault';
        }
      }
      const problem = this.targetProblem(r.question, answer, byOverride);
      if (problem) {
        dropped.push(`${this.task.format.question(r.question)} → ${answer.join(' ')}: ${problem}`);
        answer = [UNKNOWN]; // kept in line with `requests`; a '?' target is never trained on
      }
      examples.push({ facts: r.ctx.facts, question: r.question, answer });
      samples.push({ cls: this.task.classify(r.ctx, r.question), instance: r.instance, question: r.question, answer, maker, ok: sameTuple(answer, truth) });
    });

    // The gate: X's agreement with its targets, before training on them. Agreeing on "?" (H could
    // not answer) does not count, and such targets are not trained on: they say nothing of the task.
    // The gate's moving average spans `gate.horizon` questions: a sample of that many per round (at
    // least 256) measures it; predicting all of a round's targets would cost a third of the round.
    // The `grounded` gate also samples the targets H built from lookups alone (no subanswer of X's):
    // the only targets that X's own errors cannot bring into agreement with it.
    const picked = sampleWithoutReplacement(examples.map((_, i) => i), Math.max(256, this.config.gate.horizon), rng);
    const groundedIds = gateRule(this.config) !== 'questions' ? examples.flatMap((_, i) => (built.transcripts[i]?.steps.some((s) => s.source === 'X') ? [] : [i])) : [];
    // Every target grounded (supervised): the one sample serves both averages.
    const grounded = groundedIds.length === examples.length ? picked : sampleWithoutReplacement(groundedIds, 256, rng);
    const agree = new Map<number, number>();
    const toPredict = [...new Set([...picked, ...grounded])];
    const before = predictInBatches(this.model, toPredict.map((i) => examples[i]), false, this.config.batchSize * 4);
    toPredict.forEach((i, k) => agree.set(i, !isUnknown(examples[i].answer) && sameTuple(before[k].answer, examples[i].answer) ? 1 : 0));
    const agreements = picked.map((i) => agree.get(i) as number);
    const agreementClasses = picked.map((i) => samples[i].cls);
    const groundedAgreements = grounded.map((i) => agree.get(i) as number);
    return { requests, examples, samples, built, agreements, agreementClasses, groundedAgreements, dropped, ...counts };
  }

  /** Appends the targets (grouped by context, without '?') to the replay buffer and trains X on samples of it. */
  private trainPhase(targets: RoundTargetSet, rng: Rng): { loss: number; stepsTrained: number } {
    // Requests of one context are adjacent and share its facts.
    const groups = new Map<AnyContext, TrainingExample[]>();
    targets.examples.forEach((t, i) => {
      if (isUnknown(t.answer)) return;
      const g = groups.get(targets.requests[i].ctx) ?? [];
      g.push(t);
      groups.set(targets.requests[i].ctx, g);
    });
    this.buffer.add([...groups.values()]);
    // Nothing to learn from yet (every target so far was '?'): no step is taken this round.
    const stepsTrained = this.buffer.size > 0 ? this.config.stepsPerRound : 0;
    let loss = 0;
    for (let s = 0; s < stepsTrained; s++) {
      loss += this.model.trainStep(this.buffer.sample(rng, this.config.batchSize)).loss;
    }
    return { loss: loss / Math.max(1, stepsTrained), stepsTrained };
  }

  /**
   * The curriculum gate: adds the round's agreements to its averages and raises N when they pass
   * the threshold (GateConfig); returns the averages the round reports.
   */
  private curriculumPhase(targets: RoundTargetSet, stepsTrained: number): GateAverages {
    return curriculumGate(this.state, this.config, this.task.sizes.max, targets, stepsTrained);
  }

  /** Counts the round into the run's state and makes its record (times in milliseconds). */
  private recordPhase(r: {
    round: number; size: number; targets: RoundTargetSet; training: { loss: number; stepsTrained: number };
    evaluation: { accuracy: number; accuracyByClass: Record<string, number> }; gate: GateAverages;
    seconds: { targets: number; train: number; eval: number; total: number };
  }): RoundRecord {
    const { targets, training } = r;
    const { callsToH, learnedH } = targets.built;
    this.state.round = r.round;
    this.state.callsToHTotal += callsToH;
    this.state.questionsTotal += targets.examples.length;
    this.state.examplesTotal += training.stepsTrained * this.config.batchSize;
    const now = Date.now();
    this.state.elapsed += (now - this.sessionStart) / 1000;
    this.sessionStart = now;
    return {
      round: r.round, size: r.size, accuracy: r.evaluation.accuracy, accuracyByClass: r.evaluation.accuracyByClass,
      targetAccuracy: fraction(targets.samples.filter((c) => c.ok).length, targets.samples.length), targetAccuracyByClass: byClass(targets.samples),
      agreement: fraction(targets.agreements.reduce((a, b) => a + b, 0), targets.agreements.length), agreementAverage: r.gate.agreementAverage,
      ...(targets.groundedAgreements.length > 0 ? { groundedAgreement: fraction(targets.groundedAgreements.reduce((a, b) => a + b, 0), targets.groundedAgreements.length) } : {}),
      ...(r.gate.groundedAverage !== undefined ? { groundedAverage: r.gate.groundedAverage } : {}),
      ...(r.gate.classAverages ? { agreementAverageByClass: r.gate.classAverages } : {}),
      agreementByClass: byClass(targets.agreements.map((a, i) => ({ cls: targets.agreementClasses[i], ok: a === 1 }))),
      loss: training.loss, stepsTrained: training.stepsTrained,
      callsToH, callsToHTotal: this.state.callsToHTotal, subquestionsToX: targets.subquestionsToX, questionsTotal: this.state.questionsTotal,
      examplesTotal: this.state.examplesTotal, overridesUsed: targets.overridesUsed, faultsInjected: targets.faultsInjected,
      seconds: {
        targets: r.seconds.targets / 1000, train: r.seconds.train / 1000, eval: r.seconds.eval / 1000, total: r.seconds.total / 1000,
        ...(learnedH ? { expertTrain: learnedH.trainMs / 1000 } : {}),
      },
      elapsed: this.state.elapsed, tensors: this.model.numTensors() + (this.expert?.numTensors() ?? 0),
      ...(learnedH ? {
        ...(learnedH.agreement !== undefined ? { expertAgreement: learnedH.agreement } : {}), expertSteps: learnedH.steps, ...(learnedH.loss !== undefined ? { expertLoss: learnedH.loss } : {}), expertData: learnedH.data,
        ...(learnedH.humanAgreement !== undefined ? { humanAgreement: learnedH.humanAgreement } : {}),
      } : {}),
      ...(targets.dropped.length > 0 ? { targetsDropped: targets.dropped.length, warnings: droppedWarnings(targets.dropped) } : {}),
    };
  }

  private vocabulary: ReadonlySet<string> | undefined;

  /**
   * Why a target cannot be trained on, or undefined: symbols the task's vocabulary lacks (the
   * tokenizer would throw and stop the run at this round on every resume), or — for a target an
   * override made or fed — an answer that does not fit the question (its shape: core/validate-input.ts;
   * the host checks overrides against their context too, before writing them).
   */
  private targetProblem(question: Question, answer: Answer, byOverride: boolean): string | undefined {
    if (isUnknown(answer)) return undefined;
    const shape = tupleProblem(answer, 'the answer');
    if (shape) return shape;
    this.vocabulary ??= new Set(taskVocabulary(this.task));
    const unknown = [...question, ...answer].find((s) => !this.vocabulary!.has(s));
    if (unknown !== undefined) return `${unknown} is not a symbol of ${this.task.name}`;
    return byOverride ? checkAnswer(this.task, question, answer) : undefined;
  }

  /** Answers every pinned question with X and with Amplify^H(X), for the UI to step through rounds. */
  answerPinned(round: number, size: number): { answers: PinnedAnswer[]; skipped: string[] } {
    if (!this.folder) return { answers: [], skipped: [] };
    // A pin that is no question of the task (written before pins were checked, or by hand) is
    // skipped, not answered: X cannot read it, and it must not stop every round.
    const skipped: string[] = [];
    const pins = this.folder.pinned().filter((pin) => {
      const problem = checkQuestion(this.task, pin.question);
      if (problem) skipped.push(problem);
      return problem === undefined;
    });
    const overrides = this.folder.overrides();
    const answers = pins.map((pin) => this.answerPin(pin, overrides));
    this.folder.savePinnedRound({ round, size, answers });
    return { answers, skipped };
  }

  answerPin(pin: PinnedQuestion, overrides = this.overrides()): PinnedAnswer {
    const ctx = this.context(pin.instance);
    const find = (q: Question) => overrides.get(editKey({ instance: pin.instance, question: q }))?.answer;
    const teacher = overrideAnswerer((_c, q) => find(q), modelAnswerer(this.model, true));
    const inspected = this.inspect(pin.instance, pin.question, { depth: this.config.pinnedDepth ?? 3, overrides });
    const root = inspected.answers[questionKey(pin.question)];
    return {
      pin: pin.id,
      question: pin.question,
      truth: groundTruth(this.task, ctx, pin.question).answer,
      x: root.x,
      amplified: amplifyMany(this.task, [{ ctx, question: pin.question }], teacher)[0],
      tree: inspected.tree,
      answers: inspected.answers,
    };
  }

  /**
   * The HCH tree of a question with X (the teacher) at the leaves and the user's overrides applied,
   * plus what X alone answers (student and teacher) at every non-primitive node: what the Explorer
   * shows. `expand` lists node paths ("0.2") to open beyond `depth`.
   */
  inspect(instance: InstanceId, question: Question, options: { depth?: number; expand?: readonly string[]; overrides?: Overrides } = {}) {
    resolveSize(this.task, instance.size);
    const ctx = this.context(instance);
    const overrides = options.overrides ?? this.overrides();
    const find = (q: Question) => overrides.get(editKey({ instance, question: q }))?.answer;
    const depth = options.depth ?? 2;
    const open = new Set(options.expand ?? []);
    const tree = expandHCH(this.task, ctx, question, {
      answerer: modelAnswerer(this.model, true), truth: true, override: find, maxNodes: 3000,
      expand: (path) => path.length < depth || open.has(path.join('.')),
    });
    const questions: Question[] = [];
    walkHCH(tree.root, (n) => {
      if (!n.primitive) questions.push(n.question);
    });
    return { tree, facts: ctx.facts, answers: this.answerQuestions(instance, questions) };
  }

  /**
   * What X alone answers (student, with its top 3) and what the teacher answers, by question key,
   * for questions of one context: the answers a tree needs for subquestions H asks anew (after an
   * override, in the Explorer and `amplify tree`). Primitive questions are left out (lookups).
   */
  answerQuestions(instance: InstanceId, questions: readonly Question[]): Record<string, NodeAnswers> {
    resolveSize(this.task, instance.size);
    const ctx = this.context(instance);
    const unique = new Map<string, Question>();
    for (const q of questions) if (!this.task.isPrimitive(q)) unique.set(questionKey(q), q);
    const items = [...unique.values()].map((q) => ({ facts: ctx.facts, question: q }));
    const student = items.length ? this.model.predict(items, { teacher: false, topK: 3 }) : [];
    const teacherAnswers = items.length ? this.model.predict(items, { teacher: true }) : [];
    const answers: Record<string, NodeAnswers> = {};
    [...unique.keys()].forEach((k, i) => {
      answers[k] = { x: { answer: student[i].answer, probability: student[i].probability, top: student[i].top }, teacher: teacherAnswers[i].answer };
    });
    return answers;
  }

  /**
   * Saves the model, the buffer and the state into a new checkpoint, seals it (a copy of the state
   * and a manifest of checksums), then commits it by writing state.json, which names it and the one
   * before it; older ones are removed. A kill at any point leaves the last committed checkpoint whole.
   */
  async checkpoint(): Promise<void> {
    if (!this.folder) return;
    const name = RunFolder.checkpointName(this.state.round);
    const files = this.folder.checkpoint(name);
    const superseded = this.state.previousCheckpoint;
    const previous = this.state.checkpoint !== name ? this.state.checkpoint : this.state.previousCheckpoint;
    this.folder.removeCheckpoint(name);
    await this.model.save(files.dir);
    writeJsonAtomic(files.buffer, this.buffer.toJSON());
    if (this.expert) {
      await this.expert.save(files.expert);
      writeJsonAtomic(files.expertBuffer, this.expertBuffer.toJSON());
    }
    this.state.hasModel = true;
    this.state.checkpoint = name;
    if (previous) this.state.previousCheckpoint = previous;
    else delete this.state.previousCheckpoint;
    this.folder.sealCheckpoint(name, this.state);
    this.folder.saveState(this.state);
    if (superseded && superseded !== name && superseded !== previous) this.folder.removeCheckpoint(superseded);
  }

  dispose(): void {
    this.model.dispose();
    this.expert?.dispose();
  }
}

/** At most this many dropped targets are named in a round's warning. */
const DROPPED_NAMED = 5;

function droppedWarnings(dropped: readonly string[]): string[] {
  const named = dropped.slice(0, DROPPED_NAMED).join('; ');
  const more = dropped.length > DROPPED_NAMED ? ` and ${dropped.length - DROPPED_NAMED} more` : '';
  return [`dropped ${dropped.length} target(s) that cannot be trained on: ${named}${more}`];
}

/** A fresh X as the run's config describes it. */
function createModel(factory: LearnerFactory, task: AnyTask, config: RunConfig): Promise<ModelX> {
  return factory.create({
    task, vocabulary: taskVocabulary(task), preset: config.model, switches: config.modelSwitches, backend: config.backend, seed: config.seed, learningRate: config.learningRate,
    teacherHorizon: config.teacherHorizon, threads: config.threads,
  });
}

async function createExpert(factory: LearnerFactory, task: AnyTask, config: RunConfig): Promise<ModelH> {
  if (!factory.createExpert) throw new Error(`this learner has no learned expert H′ (mode ${config.mode})`);
  return factory.createExpert({ task, vocabulary: taskVocabulary(task), preset: config.expertModel ?? DEFAULT_EXPERT_MODEL, backend: config.backend, seed: config.seed + 1, threads: config.threads });
}
