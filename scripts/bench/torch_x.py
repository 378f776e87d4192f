#!/usr/bin/env python3
"""The model X of src/learner/model-x.ts in PyTorch, as a CPU reference for `npm run bench`.

Same architecture, parameter layout, initialisation scheme and optimiser (Adam with warm-up,
gradient-norm clipping, EMA teacher; all on flat vectors as in the TensorFlow.js model), same
batch shape (contexts x questions per context, facts per context, answer steps), trained on
synthetic permutation-powering data of the same shapes. Prints one JSON line:

  {"kind": "torch", "threads": 2, "msPerStep": ..., "questionsPerSecond": ..., "torch": "1.13.1",
   "blas": "...", "parameterCount": ..., "tfjsParameterCount": ..., ...}

Usage: python3 torch_x.py --spec '<JSON>' [--threads 2] [--steps 30] [--warmup 5]
The spec is what scripts/bench/learner-bench.ts prints under "model" (config, optimiser,
tokenizer, batch shape, parameterCount). Use Debian's python3 with python3-torch; see
scripts/bench.mjs for the BLAS and malloc settings that make it a fair reference.
"""
import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

NEG = -1e9
MATCH_SCALE = 20.0
LAYER_NORM_EPSILON = 1e-5


class ModelX:
    """Parameters in one flat leaf tensor; the forward pass splits it into named views."""

    def __init__(self, cfg, opt, vocab, lengths, answer_steps, seed=1):
        self.cfg = cfg
        self.opt = opt
        self.V = vocab
        self.F = lengths['maxFactLength']
        self.Q = lengths['maxQuestionLength']
        self.T = answer_steps
        self.specs = []  # (name, shape, init), in the order of model-x.ts build()
        self.build()
        gen = torch.Generator().manual_seed(seed)
        parts = [self.init(shape, kind, gen).reshape(-1) for _, shape, kind in self.specs]
        self.sizes = [p.numel() for p in parts]
        self.flat = torch.cat(parts).requires_grad_(True)
        self.teacher = self.flat.detach().clone()
        self.m = torch.zeros_like(self.teacher)
        self.v = torch.zeros_like(self.teacher)
        self.steps = 0

    @property
    def parameter_count(self):
        return self.flat.numel()

    # ------------------------------------------------------------ parameters

    def param(self, name, shape, init):
        self.specs.append((name, list(shape), init))

    def dense_p(self, name, i, o):
        self.param(f'{name}/w', [i, o], 'glorot')
        self.param(f'{name}/b', [o], 'zeros')

    def norm_p(self, name):
        self.param(f'{name}/g', [self.cfg['dModel']], 'ones')
        self.param(f'{name}/b', [self.cfg['dModel']], 'zeros')

    def ff_p(self, name):
        d, dff = self.cfg['dModel'], self.cfg['dFF']
        self.dense_p(f'{name}/ff1', d, dff)
        self.dense_p(f'{name}/ff2', dff, d)
        self.norm_p(f'{name}/ffnorm')

    def build(self):
        c = self.cfg
        d, e, H = c['dModel'], c['symbolDim'], c['heads']
        F_, Q = self.F, self.Q
        match = bool(c.get('symbolMatch'))
        self.param('embed', [self.V, e], 'embedding')
        self.dense_p('fact', F_ * e, d)
        self.norm_p('factnorm')
        self.dense_p('question', Q * e, d)
        self.norm_p('questionnorm')
        for l in range(c['encoderLayers']):
            if match:
                self.param(f'enc{l}/match', [F_ * F_, H], 'zeros')
            self.dense_p(f'enc{l}/qkv', d, 3 * d)
            self.dense_p(f'enc{l}/out', d, d)
            self.norm_p(f'enc{l}/attnorm')
            self.ff_p(f'enc{l}')
        for l in range(c['questionLayers']):
            if match:
                self.param(f'q{l}/match', [Q * F_, H], 'zeros')
            self.dense_p(f'q{l}/q', d, d)
            self.dense_p(f'q{l}/kv', d, 2 * d)
            self.dense_p(f'q{l}/out', d, d)
            self.norm_p(f'q{l}/attnorm')
            self.ff_p(f'q{l}')
        self.dense_p('answer', e, d)
        self.param('answerpos', [self.T, d], 'embedding')
        self.norm_p('answernorm')
        for l in range(c['decoderLayers']):
            self.dense_p(f'dec{l}/self/qkv', d, 3 * d)
            self.dense_p(f'dec{l}/self/out', d, d)
            self.norm_p(f'dec{l}/selfnorm')
            self.dense_p(f'dec{l}/cross/q', d, d)
            self.dense_p(f'dec{l}/cross/kv', d, 2 * d)
            self.dense_p(f'dec{l}/cross/out', d, d)
            self.norm_p(f'dec{l}/crossnorm')
            self.ff_p(f'dec{l}')
        self.dense_p('vocab', d, self.V)
        self.dense_p('copy/query', d, d)
        self.dense_p('copy/fact', d, d)
        self.param('copy/symbol', [e, d], 'glorot')
        self.param('copy/slot', [F_, d], 'embedding')
        self.dense_p('gate', d, 1)

    @staticmethod
    def init(shape, kind, gen):
        if kind == 'zeros':
            return torch.zeros(shape)
        if kind == 'ones':
            return torch.ones(shape)
        if kind == 'embedding':
            return torch.randn(shape, generator=gen) / math.sqrt(shape[-1])
        limit = math.sqrt(6 / (shape[0] + shape[-1]))  # glorot uniform
        return (torch.rand(shape, generator=gen) * 2 - 1) * limit

    def params(self):
        return {name: part.view(shape) for (name, shape, _), part in zip(self.specs, torch.split(self.flat, self.sizes))}

    # ------------------------------------------------------------ layers

    def drop(self, x):
        rate = self.cfg.get('dropout', 0)
        return F.dropout(x, rate, True) if rate > 0 else x

    @staticmethod
    def dense(P, name, x, relu=False):
        w, b = P[f'{name}/w'], P[f'{name}/b']
        y = torch.addmm(b, x.reshape(-1, x.shape[-1]), w).view(*x.shape[:-1], w.shape[1])
        return F.relu(y) if relu else y

    @staticmethod
    def norm(P, name, x):
        return F.layer_norm(x, (x.shape[-1],), P[f'{name}/g'], P[f'{name}/b'], LAYER_NORM_EPSILON)

    def split_heads(self, x):
        B, L, _ = x.shape
        H = self.cfg['heads']
        return x.view(B, L, H, -1).transpose(1, 2)

    @staticmethod
    def attend(q, k, v, bias):
        B, H, Lq, dk = q.shape
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1 / math.sqrt(dk)) + bias
        out = torch.matmul(torch.softmax(scores, -1), v)
        return out.transpose(1, 2).reshape(B, Lq, H * dk)

    def residual(self, P, norm, x, f):
        return self.norm(P, norm, x + self.drop(f(x)))

    def feed_forward(self, P, name, x):
        return self.residual(P, f'{name}/ffnorm', x, lambda h: self.dense(P, f'{name}/ff2', self.dense(P, f'{name}/ff1', h, True)))

    def embed_tuples(self, P, ids, dense, norm):
        emb = F.embedding(ids, P['embed'])  # [..., n, e]
        flat = emb.reshape(*ids.shape[:-1], ids.shape[-1] * self.cfg['symbolDim'])
        return self.norm(P, norm, self.drop(self.dense(P, dense, flat)))

    def match_bias(self, P, name, match, rows, queries, keys):
        H = self.cfg['heads']
        return (torch.matmul(match, P[f'{name}/match']) * MATCH_SCALE).view(rows, queries, keys, H).permute(0, 3, 1, 2)

    # ------------------------------------------------------------ the network

    def encode_facts(self, P, fact_ids, fact_bias, fact_match):
        U, N, _ = fact_ids.shape
        d = self.cfg['dModel']
        bias = fact_bias.view(U, 1, 1, N)
        x = self.embed_tuples(P, fact_ids, 'fact', 'factnorm')
        for l in range(self.cfg['encoderLayers']):
            layer_bias = bias + self.match_bias(P, f'enc{l}', fact_match, U, N, N) if fact_match is not None else bias

            def att(h, l=l, layer_bias=layer_bias):
                q, k, v = (self.split_heads(t) for t in torch.split(self.dense(P, f'enc{l}/qkv', h), d, 2))
                return self.dense(P, f'enc{l}/out', self.attend(q, k, v, layer_bias))

            x = self.residual(P, f'enc{l}/attnorm', x, att)
            x = self.feed_forward(P, f'enc{l}', x)
        return x, bias

    def attend_facts(self, P, name, x, facts, bias, context_of, extra=None):
        d = self.cfg['dModel']
        kv = self.dense(P, f'{name}/kv', facts)[context_of]  # [B, N, 2d]
        k, v = (self.split_heads(t) for t in torch.split(kv, d, 2))
        q = self.split_heads(self.dense(P, f'{name}/q', x))
        b = bias[context_of]
        return self.dense(P, f'{name}/out', self.attend(q, k, v, b + extra if extra is not None else b))

    def encode_questions(self, P, question_ids, facts, bias, context_of, question_match):
        B = question_ids.shape[0]
        N = facts.shape[1]
        x = self.embed_tuples(P, question_ids.view(B, 1, self.Q), 'question', 'questionnorm')  # [B, 1, d]
        for l in range(self.cfg['questionLayers']):
            extra = self.match_bias(P, f'q{l}', question_match, B, 1, N) if question_match is not None else None
            x = self.residual(P, f'q{l}/attnorm', x, lambda h, l=l, extra=extra: self.attend_facts(P, f'q{l}', h, facts, bias, context_of, extra))
            x = self.feed_forward(P, f'q{l}', x)
        return x.view(B, self.cfg['dModel'])

    def decode(self, P, facts, bias, fact_ids, symbol_bias, question, context_of, prev):
        d = self.cfg['dModel']
        B, T = prev.shape
        U, N, F_ = fact_ids.shape
        emb = F.embedding(prev, P['embed'])  # [B, T, e]
        x = self.dense(P, 'answer', emb) + question.view(B, 1, d) + P['answerpos'][:T]
        x = self.norm(P, 'answernorm', self.drop(x))
        causal = (torch.tril(torch.ones(T, T)) - 1).mul(-NEG).view(1, 1, T, T)
        for l in range(self.cfg['decoderLayers']):
            def self_att(h, l=l):
                q, k, v = (self.split_heads(t) for t in torch.split(self.dense(P, f'dec{l}/self/qkv', h), d, 2))
                return self.dense(P, f'dec{l}/self/out', self.attend(q, k, v, causal))

            x = self.residual(P, f'dec{l}/selfnorm', x, self_att)
            x = self.residual(P, f'dec{l}/crossnorm', x, lambda h, l=l: self.attend_facts(P, f'dec{l}/cross', h, facts, bias, context_of))
            x = self.feed_forward(P, f'dec{l}', x)
        vocab = torch.softmax(self.dense(P, 'vocab', x), -1)  # [B, T, V]
        # Copy: a pointer over the symbols of the facts; a key = symbol embedding + slot + fact.
        sym_emb = F.embedding(fact_ids.reshape(-1), P['embed'])  # [U·N·F, e]
        sym_key = torch.matmul(sym_emb, P['copy/symbol']).view(U, N, F_, d)
        fact_key = self.dense(P, 'copy/fact', facts).view(U, N, 1, d)
        keys = (sym_key + fact_key + P['copy/slot'].view(1, 1, F_, d)).view(U, N * F_, d)
        query = self.dense(P, 'copy/query', x)  # [B, T, d]
        scores = torch.matmul(query, keys[context_of].transpose(1, 2)) * (1 / math.sqrt(d)) + symbol_bias[context_of].unsqueeze(1)
        pointer = torch.softmax(scores, -1)  # [B, T, N·F]
        one_hot = F.one_hot(fact_ids.view(U, N * F_)[context_of], self.V).float()  # [B, N·F, V]
        copy = torch.matmul(pointer, one_hot)
        gate = torch.sigmoid(self.dense(P, 'gate', x))  # [B, T, 1]
        return gate * vocab + (1 - gate) * copy

    # ------------------------------------------------------------ training

    def inputs(self, batch):
        """Masks and symbol-match indicators from the ids (as model-x.ts encodeBatch does per step)."""
        fact_ids, question_ids, context_of = batch['factIds'], batch['questionIds'], batch['contextOf']
        real = fact_ids != 0  # PAD is id 0
        U, N, F_ = fact_ids.shape
        fact_bias = torch.zeros(U, N).masked_fill(~real.any(-1), NEG)
        symbol_bias = torch.zeros(U, N, F_).masked_fill(~real, NEG).view(U, N * F_)
        fact_match = question_match = None
        if self.cfg.get('symbolMatch'):
            # [U, N(i), N(j), F(s), F(t)]: slot s of fact i = slot t of fact j.
            eq = (fact_ids[:, :, None, :, None] == fact_ids[:, None, :, None, :]) & real[:, :, None, :, None] & real[:, None, :, None, :]
            fact_match = eq.float().view(U * N * N, F_ * F_)
            # [B, N(j), Q(s), F(t)]: question slot s = slot t of fact j.
            fb, rb = fact_ids[context_of], real[context_of]
            qe = (question_ids[:, None, :, None] == fb[:, :, None, :]) & (question_ids != 0)[:, None, :, None] & rb[:, :, None, :]
            question_match = qe.float().view(-1, self.Q * F_)
        return fact_bias, symbol_bias, fact_match, question_match

    def loss(self, batch):
        P = self.params()
        fact_ids, context_of = batch['factIds'], batch['contextOf']
        fact_bias, symbol_bias, fact_match, question_match = self.inputs(batch)
        facts, bias = self.encode_facts(P, fact_ids, fact_bias, fact_match)
        question = self.encode_questions(P, batch['questionIds'], facts, bias, context_of, question_match)
        probs = self.decode(P, facts, bias, fact_ids, symbol_bias, question, context_of, batch['prev'])
        target, mask = batch['target'], batch['mask']
        picked = probs.gather(-1, target.unsqueeze(-1)).squeeze(-1)  # [B, T]
        wrong = ((probs.argmax(-1) != target).float() * mask).sum(-1)
        correct = (wrong == 0).float().sum()
        return -(torch.log(picked + 1e-9) * mask).sum() / mask.sum(), correct

    def learning_rate_at(self, step):
        o = self.opt
        return o['learningRate'] * min(1, step / o['warmupSteps']) if o['warmupSteps'] > 0 else o['learningRate']

    def train_step(self, batch):
        """Forward, backward, clip, Adam, EMA teacher: what TransformerModelX.trainStep does."""
        self.flat.grad = None
        loss, correct = self.loss(batch)
        loss.backward()
        o = self.opt
        step = self.steps + 1
        lr = self.learning_rate_at(step) * (math.sqrt(1 - o['beta2'] ** step) / (1 - o['beta1'] ** step))
        decay = min(o['emaDecay'], (1 + step) / (10 + step))
        with torch.no_grad():
            g = self.flat.grad
            grad_norm = g.norm()
            g.mul_(torch.clamp(o['clipNorm'] / (grad_norm + 1e-6), max=1))
            self.m.mul_(o['beta1']).add_(g, alpha=1 - o['beta1'])
            self.v.mul_(o['beta2']).addcmul_(g, g, value=1 - o['beta2'])
            self.flat.addcdiv_(self.m, self.v.sqrt().add_(o['epsilon']), value=-lr)
            self.teacher.mul_(decay).add_(self.flat, alpha=1 - decay)
        self.steps = step
        return loss.item(), correct.item() / batch['target'].shape[0], grad_norm.item()


# ---------------------------------------------------------------- data

def synthetic_batch(rng, tok, contexts, per_context, n, lengths, answer_steps):
    """Permutation powering: facts (x, σ(x)); question ['pow', 6 bits of k, x]; answer σ^k(x), END."""
    ids = {t: i for i, t in enumerate(tok)}
    names = [i for i, t in enumerate(tok) if re.fullmatch(r'[a-h]{2}', t)]
    pad, end, start = 0, 1, 2
    F_, Q, T = lengths['maxFactLength'], lengths['maxQuestionLength'], answer_steps
    fact_ids, question_ids, context_of, prev, target, mask = [], [], [], [], [], []
    for c in range(contexts):
        xs = rng.sample(names, n)
        ys = xs[:]
        rng.shuffle(ys)
        sigma = dict(zip(xs, ys))
        fact_ids.append([[x, sigma[x]] + [pad] * (F_ - 2) for x in xs])
        for _ in range(per_context):
            top = 1 + rng.randrange(5)
            k = (1 << top) | rng.randrange(1 << top)
            x = rng.choice(xs)
            y = x
            for _ in range(k):
                y = sigma[y]
            q = [ids['pow']] + [ids['1'] if (k >> b) & 1 else ids['0'] for b in range(5, -1, -1)] + [x]
            question_ids.append(q + [pad] * (Q - len(q)))
            context_of.append(c)
            answer = [y, end] + [pad] * (T - 2)
            target.append(answer)
            prev.append([start] + answer[:T - 1])
            mask.append([1.0 if t <= 1 else 0.0 for t in range(T)])
    return {
        'factIds': torch.tensor(fact_ids, dtype=torch.long),
        'questionIds': torch.tensor(question_ids, dtype=torch.long),
        'contextOf': torch.tensor(context_of, dtype=torch.long),
        'prev': torch.tensor(prev, dtype=torch.long),
        'target': torch.tensor(target, dtype=torch.long),
        'mask': torch.tensor(mask),
    }


def blas_library():
    """The BLAS shared library actually mapped into this process (after a matmul)."""
    torch.matmul(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open('/proc/self/maps') as f:
            paths = sorted({line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line})
    except OSError:
        paths = []
    for p in paths:
        if 'openblas' in p:
            return f'openblas ({p})'
    if paths:
        return f'netlib reference? ({paths[0]})' if '/blas/' in paths[0] else paths[0]
    cfg = torch.__config__.show()
    m = re.search(r'BLAS_INFO=(\w+)', cfg)
    return m.group(1) if m else 'unknown'


def debian_package():
    """The Debian package version of torch (Debian's build reports itself as 1.13.0a0), if it is one."""
    if not torch.__file__.startswith('/usr/lib/python3/'):
        return None
    try:
        r = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'python3-torch'], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return f'python3-torch {r.stdout.strip()}' if r.returncode == 0 and r.stdout.strip() else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', required=True, help='JSON (or @file) describing the tfjs model and batch')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    spec = json.loads(open(args.spec[1:]).read() if args.spec.startswith('@') else args.spec)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = spec['tokenizer']
    lengths, answer_steps = tok['lengths'], tok['answerSteps']
    model = ModelX(spec['config'], spec['optimiser'], len(tok['tokens']), lengths, answer_steps, args.seed)
    expected = spec.get('parameterCount')
    if expected is not None and expected != model.parameter_count:
        print(f'parameter count mismatch: torch {model.parameter_count}, tfjs {expected}', file=sys.stderr)
    rng = random.Random(args.seed)
    shape = (spec['contexts'], spec['questionsPerContext'], spec['factsPerContext'])
    batches = [synthetic_batch(rng, tok['tokens'], *shape, lengths, answer_steps) for _ in range(8)]
    for i in range(args.warmup):
        model.train_step(batches[i % len(batches)])
    times = []
    for s in range(args.steps):
        t = time.perf_counter()
        loss, _, _ = model.train_step(batches[s % len(batches)])
        times.append((time.perf_counter() - t) * 1000)
    ms = statistics.median(times)
    B = spec['contexts'] * spec['questionsPerContext']
    print(json.dumps({
        'kind': 'torch',
        'threads': args.threads,
        'batch': B,
        'contexts': spec['contexts'],
        'steps': args.steps,
        'msPerStep': ms,
        'minMsPerStep': min(times),
        'questionsPerSecond': 1000 * B / ms,
        'loss': loss,
        'parameterCount': model.parameter_count,
        'tfjsParameterCount': expected,
        'parametersMatch': expected == model.parameter_count,
        'torch': torch.__version__,
        'package': debian_package(),
        'python': sys.version.split()[0],
        'blas': blas_library(),
        'mallocTuned': 'MALLOC_MMAP_THRESHOLD_' in os.environ,
    }))
    return 0 if expected in (None, model.parameter_count) else 2


if __name__ == '__main__':
    sys.exit(main())
