/**
 * The 3D-alignment protocols (docs/3d.md), on flat per-image arrays:
 * - 'nme-box': NME of the 2D projections divided by √(w·h) of the GT landmark box (the AFLW2000-3D convention,
 *   the 'landmark-box' normaliser of ./nme.ts over the visible points);
 * - 'nme-3d': the mean over visible points of ‖(x, y, z̃)_pred − (x, y, z̃)_gt‖ with the same normaliser, where z̃ is z
 *   centred on the face's visible points (a single image does not fix the distance to the camera, so a constant
 *   depth offset is not an error);
 * - yaw bins: the mean of a per-image value over the faces with |yaw| in [0, 30], (30, 60], (60, 90] degrees, and
 *   the mean of the non-empty bins' means (the AFLW2000-3D table's 'mean' column, which weighs each bin alike).
 * CED and AUC of these values come from ./ced.ts as for 2D.
 */
import { normalizingDistance, nmePerImage, Points } from './nme';

export interface Nme3dProtocol {
  name: 'nme-box' | 'nme-3d';
  /** What the normaliser measures, in words. */
  normalizerDefinition: string;
  /** How z enters ('—' for the 2D protocol). */
  depth: string;
}

export const NME_BOX_PROTOCOL: Nme3dProtocol = {
  name: 'nme-box',
  normalizerDefinition: '√(w·h) of the GT landmarks bounding box (visible points)',
  depth: '—',
};

export const NME_3D_PROTOCOL: Nme3dProtocol = {
  name: 'nme-3d',
  normalizerDefinition: NME_BOX_PROTOCOL.normalizerDefinition,
  depth: 'z centred on the visible points of each face, same pixels as x and y',
};

/** 2D NME of each image under the AFLW2000-3D box normaliser. */
export function nmeBoxPerImage(pred: readonly Points[], gt: readonly Points[], visible?: readonly ArrayLike<number>[]): number[] {
  return nmePerImage(pred, gt, { normalizer: 'landmark-box', ...(visible ? { visible } : {}) }).nme;
}

function centredOnVisible(z: ArrayLike<number>, v: ArrayLike<number> | undefined): number[] {
  let sum = 0;
  let count = 0;
  for (let l = 0; l < z.length; l++) {
    if (v && !v[l]) continue;
    sum += z[l];
    count++;
  }
  const mean = count > 0 ? sum / count : 0;
  return Array.from(z, (x) => x - mean);
}

/** 3D NME of each image: xy flat [x0, y0, …] and z [z0, …] per image, GT and prediction. */
export function nme3dPerImage(
  predXy: readonly Points[],
  predZ: readonly ArrayLike<number>[],
  gtXy: readonly Points[],
  gtZ: readonly ArrayLike<number>[],
  visible?: readonly ArrayLike<number>[],
): number[] {
  const n = gtXy.length;
  if (predXy.length !== n || predZ.length !== n || gtZ.length !== n) {
    throw new Error(`nme3dPerImage: ${predXy.length} predicted xy, ${predZ.length} predicted z, ${n} GT xy, ${gtZ.length} GT z; expected one each per image`);
  }
  return gtXy.map((g, i) => {
    const points = g.length / 2;
    const p = predXy[i];
    if (p.length !== g.length || predZ[i].length !== points || gtZ[i].length !== points) {
      throw new Error(`nme3dPerImage: image ${i} has ${p.length / 2} xy and ${predZ[i].length} z predicted, ${points} xy and ${gtZ[i].length} z in GT`);
    }
    const v = visible?.[i];
    const pz = centredOnVisible(predZ[i], v);
    const gz = centredOnVisible(gtZ[i], v);
    let sum = 0;
    let count = 0;
    for (let l = 0; l < points; l++) {
      if (v && !v[l]) continue;
      sum += Math.hypot(p[2 * l] - g[2 * l], p[2 * l + 1] - g[2 * l + 1], pz[l] - gz[l]);
      count++;
    }
    if (count === 0) throw new Error(`nme3dPerImage: image ${i} has no visible landmarks`);
    const dist = normalizingDistance(g, 'landmark-box', undefined, v);
    if (!(dist > 0)) throw new Error(`nme3dPerImage: image ${i} has normalising distance ${dist} (${NME_3D_PROTOCOL.normalizerDefinition})`);
    return sum / count / dist;
  });
}

/** The yaw bins of the AFLW2000-3D protocol, |yaw| in degrees (lower bound exclusive except for the first). */
export const YAW_BINS = [
  { name: 'yaw0-30', from: 0, to: 30 },
  { name: 'yaw30-60', from: 30, to: 60 },
  { name: 'yaw60-90', from: 60, to: 90 },
] as const;
export type YawBinName = (typeof YAW_BINS)[number]['name'];
export const YAW_BIN_NAMES: readonly YawBinName[] = YAW_BINS.map((b) => b.name);

/** The bin of a yaw angle in degrees, or null beyond ±90° (outside the protocol). */
export function yawBin(yawDeg: number): YawBinName | null {
  const a = Math.abs(yawDeg);
  for (const b of YAW_BINS) if (a <= b.to && (a > b.from || b.from === 0)) return b.name;
  return null;
}

export interface YawBinned {
  /** Mean and face count per bin (mean null for an empty bin). */
  bins: Record<YawBinName, { mean: number | null; count: number }>;
  /** Mean of the non-empty bins' means, and which bins it averages. */
  mean: number | null;
  meanOf: YawBinName[];
}

/** Per-bin means of `values` (one per face) by the faces' yaw in degrees; faces beyond ±90° are left out. */
export function yawBinned(values: readonly number[], yawsDeg: readonly number[]): YawBinned {
  if (values.length !== yawsDeg.length) throw new Error(`yawBinned: ${values.length} values but ${yawsDeg.length} yaw angles`);
  const sums = new Map<YawBinName, { sum: number; count: number }>(YAW_BIN_NAMES.map((n) => [n, { sum: 0, count: 0 }]));
  values.forEach((v, i) => {
    const bin = yawBin(yawsDeg[i]);
    if (!bin) return;
    const s = sums.get(bin) as { sum: number; count: number };
    s.sum += v;
    s.count++;
  });
  const bins = Object.fromEntries(
    YAW_BIN_NAMES.map((n) => {
      const s = sums.get(n) as { sum: number; count: number };
      return [n, { mean: s.count > 0 ? s.sum / s.count : null, count: s.count }];
    }),
  ) as YawBinned['bins'];
  const meanOf = YAW_BIN_NAMES.filter((n) => bins[n].count > 0);
  const mean = meanOf.length > 0 ? meanOf.reduce((a, n) => a + (bins[n].mean as number), 0) / meanOf.length : null;
  return { bins, mean, meanOf };
}
