/**
 * Detect every k frames, track in between: the model already predicts 68 points per face, and the tight box of
 * those points on frame t is exactly the face box the training crop is built around (squareCropBox of the
 * landmark box, src/data/crop.ts), so it becomes the face's crop box on frame t + 1. The detector (the dominant
 * cost, docs/in-the-wild.md) then runs on every k-th frame only, and earlier when tracking looks unreliable:
 *  - a face's mean landmark-heatmap peak falls below `minConfidenceRatio` × its value on the frame it was detected
 *    (the model no longer sees a face where it looks);
 *  - its landmark box side differs by more than `maxSideChange`× from the face box it was detected with (points
 *    scattered or collapsed, or a slow drift: a model whose points cluster tighter than the real face shrinks the
 *    box a little every frame), falls below 2 px, or its centre leaves the frame;
 *  - no face is tracked (new faces are looked for on the next frame, not k frames later).
 * What it trades: a face entering between detections is found up to k − 1 frames late, and the box follows the
 * landmarks, so landmark noise becomes box jitter (damped by `smoothing`, which in turn lags fast motion by about
 * smoothing/(1 − smoothing) frames). Pure arithmetic: bundled into the web page too.
 */
import { Box, landmarkBox } from '../data/crop';
import type { DetectedFace, EnhancedFace } from './enhance-faces';

export interface TrackOptions {
  /** Run the detector on every k-th frame (1: every frame, no tracking). */
  detectEvery: number;
  /** Re-detect when a tracked face's landmark confidence drops below this fraction of its value at detection. */
  minConfidenceRatio: number;
  /** Re-detect when a tracked face's landmark box side differs by more than this factor from its detected box's. */
  maxSideChange: number;
  /** Weight of the previous box in the next one (0: the new landmark box as is). */
  smoothing: number;
}

export const DEFAULT_TRACK_OPTIONS: TrackOptions = { detectEvery: 5, minConfidenceRatio: 0.5, maxSideChange: 1.3, smoothing: 0.3 };

interface Track {
  box: Box;
  score: number;
  /** Landmark confidence on the frame the face was detected (the reference for the drop test). */
  referenceConfidence: number;
  /** Side of the face box on the frame the face was detected (the reference for the drift test). */
  referenceSide: number;
  /**
   * The model's landmark box → the detected face box on the detection frame (centre offset as a fraction of the
   * landmark box side, and side ratio), applied to every tracked landmark box: a model whose points sit tighter
   * or lower than the true landmarks would otherwise shrink or shift the box frame after frame.
   */
  correction: { dx: number; dy: number; scale: number };
}

/** A landmark box below this side (px) is no face to crop around (all points on one spot). */
const MIN_TRACK_SIDE = 2;

const side = (b: Box): number => Math.max(b[2] - b[0], b[3] - b[1]);

/** A square of the box's longer side around its centre (the crop only depends on these two). */
function squareOf(b: Box): Box {
  const s = side(b) / 2,
    cx = (b[0] + b[2]) / 2,
    cy = (b[1] + b[3]) / 2;
  return [cx - s, cy - s, cx + s, cy + s];
}

/** A landmark-box square moved and scaled by a track's correction. */
function corrected(b: Box, c: { dx: number; dy: number; scale: number }): Box {
  const s = side(b),
    half = (c.scale * s) / 2;
  const cx = (b[0] + b[2]) / 2 + c.dx * s,
    cy = (b[1] + b[3]) / 2 + c.dy * s;
  return [cx - half, cy - half, cx + half, cy + half];
}

export class FaceTracker {
  private tracks: Track[] = [];
  private framesSinceDetection = 0;
  private redetect = true;

  constructor(
    private readonly o: TrackOptions,
    private readonly width: number,
    private readonly height: number,
  ) {
    if (!(Number.isInteger(o.detectEvery) && o.detectEvery >= 1)) throw new Error(`FaceTracker: detectEvery must be an integer ≥ 1, found ${o.detectEvery}`);
  }

  /** Whether the frame about to be processed must go through the detector. */
  needsDetection(): boolean {
    return this.redetect || this.tracks.length === 0 || this.framesSinceDetection + 1 >= this.o.detectEvery;
  }

  /** The faces to crop on the next frame when it is not detected: each track's box from the previous landmarks. */
  trackedFaces(): DetectedFace[] {
    return this.tracks.map((t) => ({ box: [...t.box] as Box, score: t.score, source: 'tracker' }));
  }

  /**
   * After the model ran on a frame: the faces it enhanced (detected on this frame when `detected`) give the boxes
   * for the next frame. Faces without landmarks (an SR-only model) cannot be tracked: every frame is then detected.
   */
  update(faces: EnhancedFace[], detected: boolean): void {
    const previous = this.tracks;
    this.framesSinceDetection = detected ? 0 : this.framesSinceDetection + 1;
    this.redetect = false;
    this.tracks = [];
    faces.forEach((f, i) => {
      if (!f.landmarksOriginal || f.landmarkConfidence === null) {
        this.redetect = true;
        return;
      }
      const raw = squareOf(landmarkBox(f.landmarksOriginal.flat()));
      if (!(side(raw) >= MIN_TRACK_SIDE)) {
        this.redetect = true;
        return;
      }
      const correction = detected
        ? {
            dx: ((f.box[0] + f.box[2]) / 2 - (raw[0] + raw[2]) / 2) / side(raw),
            dy: ((f.box[1] + f.box[3]) / 2 - (raw[1] + raw[3]) / 2) / side(raw),
            scale: side(f.box) / side(raw),
          }
        : previous[i].correction;
      const measured = corrected(raw, correction);
      const reference = detected ? f.landmarkConfidence : previous[i].referenceConfidence;
      const referenceSide = detected ? side(f.box) : previous[i].referenceSide;
      // On the detection frame the model's landmarks must agree with the detector before they are trusted.
      const sideChange = detected ? Math.max(correction.scale, 1 / correction.scale) : Math.max(side(measured) / referenceSide, referenceSide / side(measured));
      const cx = (measured[0] + measured[2]) / 2,
        cy = (measured[1] + measured[3]) / 2;
      const lost =
        !(sideChange <= this.o.maxSideChange) ||
        f.landmarkConfidence < this.o.minConfidenceRatio * reference ||
        cx < 0 ||
        cy < 0 ||
        cx > this.width - 1 ||
        cy > this.height - 1;
      if (lost) {
        this.redetect = true;
        return;
      }
      const a = this.o.smoothing;
      const box = measured.map((v, k) => a * f.box[k] + (1 - a) * v) as Box;
      this.tracks.push({ box, score: f.score, referenceConfidence: reference, referenceSide, correction });
    });
  }
}
