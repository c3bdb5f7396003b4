/**
 * Facts of a landmark convention (a point count), shared by the data layer (flips, the dataset registry) and the
 * metrics layer (NME normaliser, eye indices), so the two cannot disagree. This file imports nothing from
 * src/metrics: src/metrics/nme.ts reads it, never the other way round.
 */
import { FLIP_TABLES } from './flip-tables';

/** The NME normalisers a convention can default to (a subset of src/metrics/nme.ts `NmeNormalizer`). */
export type DefaultNormaliser = 'inter-ocular' | 'box' | 'landmark-box';

export interface LandmarkConvention {
  points: number;
  /** Scheme name, for people. */
  name: string;
  /** Horizontal-flip permutation (src/data/flip-tables.ts), or null where none is defined. */
  flip: readonly number[] | null;
  /** NME normaliser this convention uses unless a dataset or the user names another. */
  normaliser: DefaultNormaliser;
  /**
   * Points whose means are the two eyes (image-left first): `ocular` for 'inter-ocular' (outer corners),
   * `pupil` for 'inter-pupil' (eye centres). Null where the scheme defines no eyes for NME.
   */
  eyes: { ocular: [number[], number[]]; pupil: [number[], number[]] } | null;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const conventions: LandmarkConvention[] = [
  { points: 5, name: 'CelebA-5', flip: FLIP_TABLES[5], normaliser: 'inter-ocular', eyes: { ocular: [[0], [1]], pupil: [[0], [1]] } },
  { points: 19, name: 'AFLW-19', flip: FLIP_TABLES[19], normaliser: 'box', eyes: null },
  { points: 29, name: 'COFW-29', flip: null, normaliser: 'inter-ocular', eyes: { ocular: [[8], [9]], pupil: [[8], [9]] } },
  {
    points: 49,
    name: '49 (300W without contour)',
    flip: null,
    normaliser: 'inter-ocular',
    eyes: { ocular: [[19], [28]], pupil: [range(19, 24), range(25, 30)] },
  },
  {
    points: 51,
    name: '51 (300W without contour)',
    flip: null,
    normaliser: 'inter-ocular',
    eyes: { ocular: [[19], [28]], pupil: [range(19, 24), range(25, 30)] },
  },
  { points: 68, name: 'iBUG-68', flip: FLIP_TABLES[68], normaliser: 'inter-ocular', eyes: { ocular: [[36], [45]], pupil: [range(36, 41), range(42, 47)] } },
  { points: 98, name: 'WFLW-98', flip: FLIP_TABLES[98], normaliser: 'inter-ocular', eyes: { ocular: [[60], [72]], pupil: [[96], [97]] } },
  { points: 194, name: 'HELEN-194', flip: FLIP_TABLES[194], normaliser: 'landmark-box', eyes: null },
];

export const LANDMARK_CONVENTIONS: Readonly<Record<number, LandmarkConvention>> = Object.fromEntries(conventions.map((c) => [c.points, c]));

/** The convention of `points` landmarks, or undefined where the kit knows none. */
export function landmarkConvention(points: number): LandmarkConvention | undefined {
  return LANDMARK_CONVENTIONS[points];
}

export function knownPointCounts(): number[] {
  return conventions.map((c) => c.points);
}
