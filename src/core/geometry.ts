/**
 * The task's geometry, in one place: how big the HR face is for a scale, at what stride heatmaps are predicted,
 * and how a point moves between two sizes of one frame. Pixel centres sit at integer coordinates everywhere in
 * the kit (a W-wide image spans [-0.5, W - 0.5]).
 */

/** SR factors the task defines: ×8 (16×16 LR → 128×128) and ×4 (64×64 LR → 256×256). */
export type Scale = 4 | 8;

/** HR side in pixels for a scale: 128 for ×8 (16×16 LR), 256 for ×4 (64×64 LR). */
export function hrSizeForScale(scale: Scale): number {
  return scale === 8 ? 128 : 256;
}

/** LR side in pixels for a scale (HR / scale): 16 for ×8, 64 for ×4. */
export function lrSizeForScale(scale: Scale): number {
  return hrSizeForScale(scale) / scale;
}

/**
 * Heatmaps are predicted at HR/8 for both scales: the encoder always halves three times (÷8), as in the
 * official code; for ×4 this is the kit's adaptation (docs/model.md: the official release only runs ×8).
 */
export const HEATMAP_STRIDE = 8;

/** A pixel-centre coordinate of a `from`-wide frame in a `to`-wide frame of the same view: (v + 0.5)·to/from − 0.5. */
export function mapPixelCentre(v: number, from: number, to: number): number {
  return ((v + 0.5) * to) / from - 0.5;
}
