/** Which face a notebook shows: an index or an id of a split, chosen with JASR_FACE or in the notebook. */
import type { FaceSample } from '../data/types';

export const FACE_ENV = 'JASR_FACE';

/** `which`: an index into `samples`, or a sample id; a numeric string counts as an index (for JASR_FACE=3). */
export function pickFace(samples: FaceSample[], which: string | number = 0, splitName = 'test'): FaceSample {
  if (samples.length === 0) throw new Error(`pickFace: the ${splitName} split is empty`);
  const asIndex = typeof which === 'number' ? which : /^\d+$/.test(which) ? Number(which) : null;
  if (asIndex !== null) {
    if (asIndex >= samples.length) throw new Error(`pickFace: index ${asIndex} is out of range: the ${splitName} split has ${samples.length} faces (0..${samples.length - 1})`);
    return samples[asIndex];
  }
  const found = samples.find((s) => s.id === which);
  if (!found) throw new Error(`pickFace: no face '${which}' in the ${splitName} split; its ids are ${samples.map((s) => s.id).join(', ')}`);
  return found;
}
