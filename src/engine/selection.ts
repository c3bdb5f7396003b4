/**
 * Validation and best-epoch selection at an epoch's end: the model's evaluate() on the validation data (for the
 * face task the one evaluator of src/task/evaluate.ts), and the value the selection metric takes.
 */
import { TrainConfig, higherIsBetter } from './config';
import type { SelectionRecord } from './checkpoint';
import type { TrainableModel } from './trainable';

export function selectionValue(metric: TrainConfig['selection']['metric'], val: Record<string, number>, meanLoss: number): number {
  if (metric === 'loss') return val.loss ?? meanLoss;
  const v = val[metric];
  if (v === undefined)
    throw new Error(`train.selection.metric '${metric}' is not among the validation metrics (${Object.keys(val).join(', ') || 'none: no validation loader'})`);
  return v;
}

/** Validates (when there is validation data) and names the epoch's selection value. */
export async function validateEpoch<B, V>(
  model: TrainableModel<B, V>,
  valData: V | undefined,
  cfg: TrainConfig,
  epoch: number,
  meanLoss: Record<string, number>,
): Promise<{ val: Record<string, number>; selection: SelectionRecord }> {
  const val = valData !== undefined ? await model.evaluate(valData) : {};
  const metric = cfg.selection.metric;
  return { val, selection: { metric, value: selectionValue(metric, val, meanLoss.total), higherIsBetter: higherIsBetter(metric), epoch } };
}
