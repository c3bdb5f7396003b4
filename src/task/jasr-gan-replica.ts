/**
 * The ReplicaModule of JasrGanTrainable (./jasr-gan.ts): a worker rebuilds the generator from its config and the
 * discriminator from the adversarial section (weights are replaced by the main thread's every step, so the seed
 * only has to give the same shapes); shards are FaceBatch shards, cut and rebuilt as for plain training.
 */
import type { Json } from '../core/overrides';
import { buildModel } from '../model/build';
import type { FaceBatch } from '../data/types';
import type { ReplicaModule } from '../engine/parallel/types';
import { JasrGanReplicaArgs, JasrGanTrainable } from './jasr-gan';
import { jasrReplica } from './jasr-replica';

export const jasrGanReplica: ReplicaModule<FaceBatch> = {
  create(args: Json) {
    const a = args as unknown as JasrGanReplicaArgs;
    return new JasrGanTrainable(buildModel(a.model, a.seed), a.train, a.adversarial, a.eval);
  },
  split: (batch, counts) => jasrReplica.split(batch, counts),
  fromPayload: (payload) => jasrReplica.fromPayload(payload),
};
