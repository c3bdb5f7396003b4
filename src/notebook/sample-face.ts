/** Which face a notebook shows: an index or an id of a split, chosen with JASR_FACE or in the notebook. */
import type { FaceSample } from '../data/types';
import { KnownError } from '../core/errors';

/** The face a notebook (or JASR_FACE) asks for is not in the split. */
export class FaceChoiceError extends KnownError {}

export const FACE_ENV = 'JASR_FACE';

/** `which`: an index into `samples`, or a sample id; a numeric string counts as an index (for JASR_FACE=3). */
export function pickFace(samples: FaceSample[], which: string | number = 0, splitName = 'test'): FaceSample {
  if (samples.length === 0) throw new FaceChoiceError(`${FACE_ENV} / pickFace: expected a face of the ${splitName} split, found the split empty`);
  const asIndex = typeof which === 'number' ? which : /^\d+$/.test(which) ? Number(which) : null;
  if (asIndex !== null) {
    if (asIndex >= samples.length)
      throw new FaceChoiceError(
        `${FACE_ENV} / pickFace: expected an index 0..${samples.length - 1} (the ${splitName} split has ${samples.length} faces), found ${asIndex}`,
      );
    return samples[asIndex];
  }
  const found = samples.find((s) => s.id === which);
  if (!found)
    throw new FaceChoiceError(
      `${FACE_ENV} / pickFace: expected an index or one of the ${splitName} split's ids (${samples.map((s) => s.id).join(', ')}), found '${which}'`,
    );
  return found;
}
