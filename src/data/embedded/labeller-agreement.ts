/**
 * How far apart the two labellers of the embedded set are on the same faces: face-api's 68 2D points (the set's
 * `landmarks`) against the face mesh's 68 points projected to 2D (`landmarks3d` x, y). NME with face-api's points
 * as the reference and its inter-ocular distance as the normaliser (src/metrics/nme.ts), per face, per point and
 * per region; intervals are bootstraps clustered by photo/video group (src/metrics/stats/bootstrap.ts).
 * `jasr data labellers` prints it; docs/embedded-3d.md records the figures.
 */
import { nmePerImage, normalizingDistance } from '../../metrics/nme';
import { BootstrapOptions, Interval, bootstrapMean } from '../../metrics/stats/bootstrap';
import { FACE_MESH_TO_IBUG68 } from '../face-mesh-68';
import { EmbeddedSetError, Manifest } from './manifest';

/** iBUG-68 regions, first and last index. */
export const IBUG68_REGIONS: readonly { name: string; first: number; last: number }[] = [
  { name: 'jaw', first: 0, last: 16 },
  { name: 'brows', first: 17, last: 26 },
  { name: 'nose', first: 27, last: 35 },
  { name: 'eyes', first: 36, last: 47 },
  { name: 'outer lips', first: 48, last: 59 },
  { name: 'inner lips', first: 60, last: 67 },
];

export interface PointAgreement {
  /** iBUG index. */
  point: number;
  meshVertex: number;
  /** Mean over faces of ‖mesh − face-api‖ / inter-ocular. */
  nme: Interval;
  /** Mean signed offset mesh − face-api, / inter-ocular (x right, y down). */
  dx: number;
  dy: number;
}

export interface LabellerAgreement {
  faces: number;
  groups: number;
  /** The protocol, in words, printed beside every number. */
  protocol: string;
  /** Mean over faces of the per-face NME (mean over the 68 points). */
  mean: Interval;
  median: number;
  max: { nme: number; id: string };
  regions: { name: string; points: string; nme: Interval }[];
  perPoint: PointAgreement[];
  labeller: string;
  labeller3d: string;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function labellerAgreement(manifest: Manifest, where: string, options: BootstrapOptions = {}): LabellerAgreement {
  const samples = manifest.samples;
  const missing = samples.find((s) => s.landmarks3d === undefined || s.landmarks3d.length !== 3 * FACE_MESH_TO_IBUG68.length);
  if (samples.length === 0 || missing || !manifest.labeller3d) {
    throw new EmbeddedSetError(
      `${where}: expected an embedded set with 3D labels (manifest version 2), found ${samples.length === 0 ? 'no samples' : `version ${manifest.version}${missing ? ` (sample ${missing.id} has no landmarks3d)` : ''}`}; \`jasr data build\` adds them`,
    );
  }
  const gt = samples.map((s) => s.landmarks);
  const mesh = samples.map((s) => s.landmarks3d!.filter((_, k) => k % 3 !== 2));
  const groups = samples.map((s) => s.provenance.group);
  const { nme, protocol } = nmePerImage(mesh, gt, { normalizer: 'inter-ocular' });
  const io = gt.map((g) => normalizingDistance(g, 'inter-ocular'));
  const pointErr = (i: number): number[] => samples.map((_, f) => Math.hypot(mesh[f][2 * i] - gt[f][2 * i], mesh[f][2 * i + 1] - gt[f][2 * i + 1]) / io[f]);
  const interval = (values: number[], label: string): Interval => bootstrapMean({ groups, values: [values], label }, options);
  const perPoint = FACE_MESH_TO_IBUG68.map((v, i): PointAgreement => ({
    point: i,
    meshVertex: v,
    nme: interval(pointErr(i), `point ${i}`),
    dx: mean(samples.map((_, f) => (mesh[f][2 * i] - gt[f][2 * i]) / io[f])),
    dy: mean(samples.map((_, f) => (mesh[f][2 * i + 1] - gt[f][2 * i + 1]) / io[f])),
  }));
  const regions = IBUG68_REGIONS.map((r) => {
    const perFace = samples.map((_, f) => {
      let sum = 0;
      for (let i = r.first; i <= r.last; i++) sum += Math.hypot(mesh[f][2 * i] - gt[f][2 * i], mesh[f][2 * i + 1] - gt[f][2 * i + 1]) / io[f];
      return sum / (r.last - r.first + 1);
    });
    return { name: r.name, points: `${r.first}–${r.last}`, nme: interval(perFace, r.name) };
  });
  const sorted = [...nme].sort((a, b) => a - b);
  const worst = nme.indexOf(sorted[sorted.length - 1]);
  const first = perPoint[0].nme;
  return {
    faces: samples.length,
    groups: new Set(groups).size,
    protocol:
      `NME of the mesh's 68 points against face-api's, ${protocol.reduction} over 68 points, normalised by face-api's inter-ocular distance ${protocol.normalizerDefinition}; ` +
      `${Math.round(first.level * 100)} % ${first.method} bootstrap over photo/video groups, ${first.resamples} resamples, seed ${first.seed}`,
    mean: interval(nme, 'mean NME'),
    median: sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2,
    max: { nme: sorted[sorted.length - 1], id: samples[worst].id },
    regions,
    perPoint,
    labeller: manifest.labeller,
    labeller3d: manifest.labeller3d,
  };
}
