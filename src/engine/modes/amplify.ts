/** Amplify^H(X): H decomposes each question, X (the EMA teacher) answers the subquestions, lookup the primitives. */
import { amplifyMany } from '../../core/index';
import { defineMode } from './mode';

export const amplify = defineMode({
  name: 'amplify',
  label: 'amplification (H)',
  colour: '#d62728',
  help: 'X learns from Amplify^H(X): H decomposes, X answers the subquestions — no ground truth',
  needs: { H: true, learnedH: false, groundTruth: false },
  maker: 'H',
  targets: ({ task, requests, answerer }) => {
    const transcripts = amplifyMany(task, requests, answerer);
    return { transcripts, callsToH: transcripts.length };
  },
});
