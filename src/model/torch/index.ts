/**
 * Import of PyTorch JASRNet weights (the official code's state-dict names) into the kit's variables, without
 * Python: ./zip.ts reads torch.save's STORED zip, ./pickle.ts the data-only pickle subset, ./pt-file.ts turns
 * both into tensors, ./jasrnet-names.ts names every conv, ./convert.ts converts layouts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import type { ModelConfig } from '../config';
import { TorchImportError } from './errors';
import { findStateDict, readTorchFile } from './pt-file';
import { HostValues, ImportReport, stateDictToKit } from './convert';

export { TorchImportError } from './errors';
export { readTorchFile, findStateDict, TorchTensor, WRAPPER_KEYS } from './pt-file';
export { stateDictToKit, oihwToHwio, hwioToOihw, permuteBias, torchOutputChannel, meanShiftValues } from './convert';
export type { HostValues, ImportReport } from './convert';
export { jasrnetConvNames, jasrnetKitShapes, MEAN_SHIFT_KEYS } from './jasrnet-names';

/**
 * The model settings the official network has; weights imported into a config that differs elsewhere would
 * compute something else, so they are refused with the config key named. (`srResScale` is not checked: it is
 * not a weight, and the official 0.1 is the kit's default.)
 */
export function checkOfficialTopology(config: ModelConfig, where: string): void {
  const want: [keyof ModelConfig, unknown][] = [
    ['architecture', 'jasrnet'],
    ['fusion', 'additive'],
    ['meanShift', 'faithful'],
    ['srResidual', 'none'],
    ['scale', 8],
  ];
  for (const [key, value] of want) {
    if (config[key] !== value) {
      throw new TorchImportError(where, `model.${key} must be ${JSON.stringify(value)} to hold official JASRNet weights, found ${JSON.stringify(config[key])}`);
    }
  }
}

export interface TorchImport {
  variables: Record<string, HostValues>;
  report: ImportReport & {
    /** The checkpoint-dict key the state dict sat under, when it was wrapped. */
    wrapperKey?: string;
    /** Keys in the state dict. */
    keys: number;
    /** SHA-256 of the .pt file, for provenance. */
    sha256: string;
    bytes: number;
  };
}

/** Reads an official JASRNet .pt into kit variables for the network `config` describes. */
export function importJasrnetTorch(file: string, config: ModelConfig): TorchImport {
  const bytes = fs.readFileSync(file);
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { root } = readTorchFile(data, file);
  const { tensors, wrapperKey } = findStateDict(root, file);
  const { variables, report } = stateDictToKit(tensors, config, file);
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');
  return { variables, report: { ...report, wrapperKey, keys: tensors.size, sha256, bytes: data.byteLength } };
}
