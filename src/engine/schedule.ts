/**
 * Learning rate per epoch (1-based), as PyTorch MultiStepLR stepped at the start of each epoch in the
 * official code: lr for epochs 1..m1, lr·γ for m1+1..m2, lr·γ² after m2 (reference notes §2).
 */
import type { ScheduleConfig } from './config';

export function learningRateAt(baseLr: number, schedule: ScheduleConfig, epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error(`learningRateAt: epoch is 1-based, got ${epoch}`);
  const passed = schedule.milestones.filter((m) => epoch > m).length;
  return baseLr * Math.pow(schedule.gamma, passed);
}
