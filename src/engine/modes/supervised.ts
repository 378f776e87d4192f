/** The baseline: X learns from the ground truth. */
import { defineMode } from './mode';

export const supervised = defineMode({
  name: 'supervised',
  label: 'supervised',
  colour: '#1f77b4',
  help: 'the baseline: X learns from ground truth',
  needs: { H: false, learnedH: false, groundTruth: true },
  maker: 'ground truth',
  targets: ({ requests }) => ({ transcripts: requests.map(() => undefined), callsToH: 0 }),
});
