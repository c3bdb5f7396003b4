import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { countParams } from '../src/model/count';
import { MEAN_SHIFT_FROZEN_PARAMS } from '../src/model/blocks';

const PYTHON = '/usr/bin/python3';
const PEER = path.join(__dirname, '..', 'bench', 'peer', 'jasrnet_torch.py');

/** The PyTorch peer's counts (bench/peer/README.md: last stdout line is JSON); fails with its stderr if torch is missing. */
function peerCount(c: ModelConfig): { totalParams: number; trainableParams: number } {
  const args = [
    PEER,
    '--count',
    '--features',
    String(c.features),
    '--blocks',
    String(c.trunkBlocks),
    '--landmarks',
    String(c.landmarks),
    '--stages',
    String(c.stages),
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${PYTHON} ${args.join(' ')} did not start: ${r.error.message} (install Debian's python3 and python3-torch)`);
  if (r.status !== 0)
    throw new Error(
      `${PYTHON} ${args.join(' ')} exited with ${r.status}:\n${r.stderr.trim()}\n(the benchmark's peer needs python3-torch: apt-get install python3-torch)`,
    );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as { totalParams: number; trainableParams: number };
}

describe("bench peer: the PyTorch JASRNet has the kit model's parameter count", () => {
  const configs: [string, ModelConfig][] = [
    ['tiny 8/1, 5 landmarks, 2 stages', { ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 1, landmarks: 5, stages: 2 }],
    ['CPU-sized 32/4', { ...DEFAULT_MODEL_CONFIG, features: 32, trunkBlocks: 4 }],
    ['paper-era 256/16', { ...DEFAULT_MODEL_CONFIG, features: 256, trunkBlocks: 16 }],
  ];
  for (const [label, config] of configs) {
    it(`${label}: trainable and total (frozen MeanShifts, incl. the unused sub_mean_cpm) agree`, () => {
      const kit = countParams(config);
      const peer = peerCount(config);
      assert.equal(peer.trainableParams, kit.trainableParams);
      // The peer keeps the official module list, so its total counts the never-called sub_mean_cpm too.
      assert.equal(peer.totalParams, kit.officialTotalParams);
      assert.equal(peer.totalParams - peer.trainableParams, kit.frozenParams + MEAN_SHIFT_FROZEN_PARAMS);
    });
  }
  it("the 256/16 count is the official log's 59,817,206", () => {
    assert.equal(countParams({ ...DEFAULT_MODEL_CONFIG, features: 256, trunkBlocks: 16 }).officialTotalParams, 59_817_206);
  });
});
