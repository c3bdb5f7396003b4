/**
 * Evaluation of a model (or any predictor) on a list of HR face samples under a named protocol: per-image
 * NME / PSNR / SSIM and a summary with AUC@α, FR@α, the CED values and per-subset summaries. The one
 * function validation during training (src/task/jasr-adapter.ts), `jasr eval`, `reproduceTable` and notebooks
 * call, so their numbers cannot drift apart.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceModel, ModelOutput } from '../model/types';
import { decodeHeatmaps } from '../codec/decode';
import { BatchLoader } from '../data/loader';
import { disposeBatch, FaceBatch, FaceSample } from '../data/types';
import { evaluateImages } from '../metrics/evaluate-images';
import { nmePerImage, NmeNormalizer, NmeProtocol } from '../metrics/nme';
import { nmeSummary, NmeSummary } from '../metrics/ced';
import { identitySimilarity } from '../metrics/identity';
import { downstreamNme } from '../metrics/downstream-nme';
import type { Box, ImageProtocol } from '../metrics/protocols';
import type { EvalConfig } from './eval-config';
import { mapPixelCentre } from '../core/geometry';
import { describeLabels, DatasetInfo } from '../data/open';
import { NME_3D_PROTOCOL, NME_BOX_PROTOCOL, YAW_BIN_NAMES, YawBinned, nme3dPerImage, nmeBoxPerImage, yawBinned } from '../metrics/nme-3d';

/** What a predictor returns for one batch; the evaluator disposes both tensors. */
export interface Prediction {
  /** SR image [B, H, W, 3] (any range: clipped to [0, 1] before measuring). */
  sr?: tf.Tensor4D;
  /** Landmarks [B, L, 2] in HR pixels. */
  landmarksHr?: tf.Tensor3D;
  /** Depth z per landmark [B, L] in HR pixels (a model with a depth head). */
  depth?: tf.Tensor2D;
  /** Loss terms of this batch (validation's loss columns), averaged over batches into Evaluation.loss. */
  loss?: Record<string, number>;
}

export type Predictor = (batch: FaceBatch) => Prediction;

/** Loss terms of one batch from the model's raw output (validation adds them; test evaluation does not). */
export type BatchLoss = (out: ModelOutput, batch: FaceBatch) => Record<string, number>;

export interface ModelPredictorOptions {
  /** Also measure these loss terms per batch, from the same forward pass. */
  loss?: BatchLoss;
}

/** A FaceModel as a predictor: its SR output and the landmarks decoded from its last heatmap stage. */
export function modelPredictor(model: FaceModel, opts: ModelPredictorOptions = {}): Predictor {
  return (batch) => {
    const out = model.apply(batch.input, { hr: batch.hr });
    const prediction: Prediction = {};
    try {
      if (opts.loss) prediction.loss = opts.loss(out, batch);
      if (out.heatmaps.length > 0) {
        const decoded = decodeHeatmaps(out.heatmaps[out.heatmaps.length - 1]);
        decoded.scores.dispose();
        prediction.landmarksHr = decoded.landmarksHr;
      }
    } catch (e) {
      for (const t of [out.sr, out.depth, prediction.landmarksHr]) t?.dispose();
      throw e;
    } finally {
      tf.dispose(out.heatmaps);
    }
    if (out.sr) prediction.sr = out.sr;
    if (out.depth) prediction.depth = out.depth;
    return prediction;
  };
}

/**
 * The no-learning landmark baseline: the mean training shape (in the HR crop frame every model also sees),
 * predicted for every face. Any alignment model worth its training must beat it.
 */
export function meanShapePredictor(trainSamples: FaceSample[], hrSize: number): Predictor {
  if (trainSamples.length === 0) throw new Error('meanShapePredictor: no training samples to average');
  const points = trainSamples[0].visible.length;
  const sum = new Float64Array(points * 2);
  const count = new Float64Array(points);
  for (const s of trainSamples) {
    for (let l = 0; l < points; l++) {
      if (!s.visible[l]) continue;
      sum[2 * l] += mapPixelCentre(s.landmarks[2 * l], s.hrSize, hrSize);
      sum[2 * l + 1] += mapPixelCentre(s.landmarks[2 * l + 1], s.hrSize, hrSize);
      count[l] += 1;
    }
  }
  const mean = new Float32Array(points * 2);
  for (let l = 0; l < points; l++) {
    mean[2 * l] = count[l] > 0 ? sum[2 * l] / count[l] : hrSize / 2;
    mean[2 * l + 1] = count[l] > 0 ? sum[2 * l + 1] / count[l] : hrSize / 2;
  }
  return (batch) => ({ landmarksHr: tf.tidy(() => tf.tile(tf.tensor3d(mean, [1, points, 2]), [batch.input.shape[0], 1, 1])) });
}

export interface PerImageResult {
  id: string;
  subset: string;
  nme?: number;
  psnr?: number;
  ssim?: number;
  /** With faceMetrics: cosine similarity of face-api recognition embeddings of SR and HR (src/metrics/identity.ts). */
  identity?: number;
  /** With faceMetrics: NME of face-api's 68-point detector run on SR (src/metrics/downstream-nme.ts). */
  downstreamNme?: number;
  /** 3D protocols (src/metrics/nme-3d.ts), where the faces carry depth or pose: 2D NME / GT box size, 3D NME. */
  nmeBox?: number;
  nme3d?: number;
  /** The face's yaw in degrees, where its dataset gives a pose. */
  yaw?: number;
}

/** The 3D protocols' summaries (absent on 2D data). */
export interface Evaluation3dSummary {
  nmeBox: number;
  nme3d?: number;
  /** AUC@α and FR@α of the 3D NME (exact method, as for 2D). */
  auc3d: Record<string, number>;
  failureRate3d: Record<string, number>;
  /** Per-yaw-bin results, where every face has a pose. */
  yaw?: { nmeBox: YawBinned; nme3d?: YawBinned };
}

export interface EvaluationSummary {
  count: number;
  nme?: number;
  /** AUC@α and FR@α keyed by String(α). */
  auc: Record<string, number>;
  failureRate: Record<string, number>;
  psnr?: number;
  ssim?: number;
  identity?: number;
  downstreamNme?: number;
  threeD?: Evaluation3dSummary;
}

export interface EvaluationProtocol {
  /** One line naming every choice, printed beside the numbers, e.g. 'image standard (…) · NME inter-ocular …'. */
  name: string;
  image?: ImageProtocol;
  nme?: NmeProtocol;
  aucAlphas: number[];
  failureAlpha: number;
  aucMethod: string;
  /** The dataset the numbers come from: its name, crop policy and label provenance (when the caller knew them). */
  data?: { name: string; crop: DatasetInfo['crop']; labels: string };
}

export interface Evaluation {
  perImage: PerImageResult[];
  summary: EvaluationSummary;
  /** Summary of each subset label (e.g. the source collection), in first-seen order. */
  subsets: Record<string, EvaluationSummary>;
  /** Per-image NME in sample order: the CED curve's data (empty without landmarks). */
  ced: number[];
  protocol: EvaluationProtocol;
  /** Mean over batches of the predictor's per-batch loss terms (absent when it reports none). */
  loss?: Record<string, number>;
}

export interface EvaluateOptions {
  scale: 4 | 8;
  batchSize?: number;
  /** Subset label of each sample (default: its provenance source). */
  subsetOf?: (s: FaceSample) => string;
  /** Heatmap target σ of the batches (data.heatmapSigma): only a predictor's loss terms read the targets. */
  heatmapSigma?: number;
  /** data.quantize: HR, LR and network input at 8-bit levels, as in training (src/data/pairs.ts). */
  quantize?: boolean;
  /** The dataset's facts printed with every result (crop, label provenance) and its NME normaliser for 'auto'. */
  dataset?: Pick<DatasetInfo, 'name' | 'crop' | 'labels' | 'nmeNormaliser'>;
  /**
   * Also the metrics that see faces, on every SR image: identity similarity and downstream NME (face-api's nets,
   * 68-point datasets only; docs/adversarial.md). Off by default: they cost two networks' forward passes per image.
   */
  faceMetrics?: boolean;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function summaryOf(rows: PerImageResult[], cfg: EvalConfig, alphas: number[]): EvaluationSummary {
  const out: EvaluationSummary = { count: rows.length, auc: {}, failureRate: {} };
  const nmes = rows.map((r) => r.nme).filter((v): v is number => v !== undefined);
  if (nmes.length > 0) {
    const s: NmeSummary = nmeSummary(nmes, { alphas }).all;
    out.nme = s.nme;
    for (const a of cfg.aucAlphas) out.auc[String(a)] = s.auc[String(a)];
    out.failureRate[String(cfg.failureAlpha)] = s.failureRate[String(cfg.failureAlpha)];
  }
  const psnrs = rows.map((r) => r.psnr).filter((v): v is number => v !== undefined);
  if (psnrs.length > 0) out.psnr = mean(psnrs);
  const ssims = rows.map((r) => r.ssim).filter((v): v is number => v !== undefined);
  if (ssims.length > 0) out.ssim = mean(ssims);
  const identities = rows.map((r) => r.identity).filter((v): v is number => v !== undefined);
  if (identities.length > 0) out.identity = mean(identities);
  const downstream = rows.map((r) => r.downstreamNme).filter((v): v is number => v !== undefined);
  if (downstream.length > 0) out.downstreamNme = mean(downstream);
  const threeD = summary3d(rows, cfg, alphas);
  if (threeD) out.threeD = threeD;
  return out;
}

/** Present when every face has a 2D box NME (faces with depth or pose); 3D NME and yaw bins where every face has them. */
function summary3d(rows: PerImageResult[], cfg: EvalConfig, alphas: number[]): Evaluation3dSummary | undefined {
  if (rows.length === 0 || rows.some((r) => r.nmeBox === undefined)) return undefined;
  const boxes = rows.map((r) => r.nmeBox as number);
  const out: Evaluation3dSummary = { nmeBox: mean(boxes), auc3d: {}, failureRate3d: {} };
  const has3d = rows.every((r) => r.nme3d !== undefined);
  const nmes3d = has3d ? rows.map((r) => r.nme3d as number) : [];
  if (has3d) {
    const s = nmeSummary(nmes3d, { alphas }).all;
    out.nme3d = s.nme;
    for (const a of cfg.aucAlphas) out.auc3d[String(a)] = s.auc[String(a)];
    out.failureRate3d[String(cfg.failureAlpha)] = s.failureRate[String(cfg.failureAlpha)];
  }
  if (rows.every((r) => r.yaw !== undefined)) {
    const yaws = rows.map((r) => r.yaw as number);
    out.yaw = { nmeBox: yawBinned(boxes, yaws), ...(has3d ? { nme3d: yawBinned(nmes3d, yaws) } : {}) };
  }
  return out;
}

function protocolName(
  image: ImageProtocol | undefined,
  nme: NmeProtocol | undefined,
  cfg: EvalConfig,
  dataset: EvaluateOptions['dataset'] | undefined,
  with3d: boolean,
): string {
  const parts: string[] = [];
  if (image)
    parts.push(
      `image ${image.name} (Y ${image.yConversion}, crop ${image.crop} ${image.borderPx}px, SSIM gauss${image.ssim.windowSize} ${image.ssim.covariance})`,
    );
  if (nme) parts.push(`NME ${nme.normalizer} ${nme.normalizerDefinition} (${nme.reduction}), AUC exact @${cfg.aucAlphas.join('/')}, FR >${cfg.failureAlpha}`);
  if (with3d)
    parts.push(
      `3D: ${NME_BOX_PROTOCOL.name} and ${NME_3D_PROTOCOL.name} / ${NME_3D_PROTOCOL.normalizerDefinition} (${NME_3D_PROTOCOL.depth}), yaw bins |yaw| ≤30/≤60/≤90°`,
    );
  if (dataset) parts.push(`data ${dataset.name}: crop ${dataset.crop.source} (${dataset.crop.description}), labels: ${describeLabels(dataset.labels)}`);
  return parts.join(' · ') || 'none';
}

/**
 * The 3D protocols of one batch's rows: the box NME for faces with depth or pose, the 3D NME for faces with depth
 * when the predictor gives z, the yaw of faces with a pose. Visibility is the batch's (out-of-crop points excluded).
 */
function measure3d(rows: PerImageResult[], batch: FaceBatch, prediction: Prediction, sampleById: Map<string, FaceSample>): void {
  const has = rows.map((r) => sampleById.get(r.id));
  if (!prediction.landmarksHr || !has.some((s) => s?.depth || s?.pose)) return;
  const predXy = (prediction.landmarksHr.arraySync() as number[][][]).map((p) => p.flat());
  const gtXy = (batch.landmarks.arraySync() as number[][][]).map((p) => p.flat());
  const visible = batch.visible.arraySync() as number[][];
  const boxNme = nmeBoxPerImage(predXy, gtXy, visible);
  const predZ = prediction.depth?.arraySync() as number[][] | undefined;
  const gtZ = batch.depth?.arraySync() as number[][] | undefined;
  rows.forEach((r, k) => {
    const s = has[k];
    if (!s?.depth && !s?.pose) return;
    r.nmeBox = boxNme[k];
    if (s.pose) r.yaw = s.pose.yaw;
    if (s.depth && predZ && gtZ) r.nme3d = nme3dPerImage([predXy[k]], [predZ[k]], [gtXy[k]], [gtZ[k]], [visible[k]])[0];
  });
}

/** Runs `predict` over `samples` in order (no augmentation) and measures everything it predicts. */
export async function evaluate(predict: Predictor, samples: FaceSample[], cfg: EvalConfig, opts: EvaluateOptions): Promise<Evaluation> {
  const loader = new BatchLoader(samples, {
    scale: opts.scale,
    batchSize: opts.batchSize ?? 4,
    seed: 0,
    shuffle: false,
    heatmapSigma: opts.heatmapSigma,
    quantize: opts.quantize ?? false,
  });
  const subsetOf = opts.subsetOf ?? ((s: FaceSample) => s.provenance.source);
  const subsetById = new Map(samples.map((s) => [s.id, subsetOf(s)]));
  const sampleById = new Map(samples.map((s) => [s.id, s]));
  const alphas = [...new Set([...cfg.aucAlphas, cfg.failureAlpha])];
  const perImage: PerImageResult[] = [];
  let imageProtocol: ImageProtocol | undefined;
  let nmeProtocol: NmeProtocol | undefined;
  let faceProtocol: string | undefined;
  const lossSums: Record<string, number> = {};
  let lossBatches = 0;
  for (let i = 0; i < loader.batchesPerEpoch; i++) {
    const batch = loader.batchAt(0, i);
    let prediction: Prediction = {};
    try {
      prediction = predict(batch);
      if (prediction.loss) {
        for (const [k, v] of Object.entries(prediction.loss)) lossSums[k] = (lossSums[k] ?? 0) + v;
        lossBatches += 1;
      }
      const rows: PerImageResult[] = batch.ids.map((id) => ({ id, subset: subsetById.get(id) ?? 'unknown' }));
      const boxes = (batch.box.arraySync() as number[][]).map((b) => [b[0], b[1], b[2], b[3]] as Box);
      if (prediction.sr) {
        const sr = tf.tidy(() => tf.clipByValue(prediction.sr as tf.Tensor4D, 0, 1) as tf.Tensor4D);
        try {
          const m = evaluateImages(sr, batch.hr, { protocol: cfg.protocol, scale: opts.scale, boxes });
          imageProtocol = m.protocol;
          rows.forEach((r, k) => Object.assign(r, { psnr: m.perImage.psnr[k], ssim: m.perImage.ssim[k] }));
          if (opts.faceMetrics) {
            const faces = await faceMetrics(
              sr,
              batch,
              cfg.nmeNormaliser === 'auto' ? (opts.dataset?.nmeNormaliser as NmeNormalizer | undefined) : cfg.nmeNormaliser,
            );
            faceProtocol = faces.protocol;
            rows.forEach((r, k) => Object.assign(r, { identity: faces.identity[k], downstreamNme: faces.downstreamNme[k] }));
          }
        } finally {
          sr.dispose();
        }
      }
      if (prediction.landmarksHr) {
        // 'auto': the dataset's benchmark normaliser when the dataset is known (src/data/registry.ts), else by point count.
        const auto = opts.dataset ? { normalizer: opts.dataset.nmeNormaliser as NmeNormalizer } : {};
        const normalizer = cfg.nmeNormaliser === 'auto' ? auto : { normalizer: cfg.nmeNormaliser };
        const { nme, protocol } = nmePerImage(prediction.landmarksHr, batch.landmarks, { visible: batch.visible, boxes: batch.box, ...normalizer });
        nmeProtocol = protocol;
        rows.forEach((r, k) => (r.nme = nme[k]));
        measure3d(rows, batch, prediction, sampleById);
      }
      perImage.push(...rows);
    } finally {
      for (const t of [prediction.sr, prediction.landmarksHr, prediction.depth]) t?.dispose();
      disposeBatch(batch);
    }
  }
  const subsets: Record<string, EvaluationSummary> = {};
  for (const label of new Set(perImage.map((r) => r.subset)))
    subsets[label] = summaryOf(
      perImage.filter((r) => r.subset === label),
      cfg,
      alphas,
    );
  const loss = lossBatches > 0 ? Object.fromEntries(Object.entries(lossSums).map(([k, v]) => [k, v / lossBatches])) : undefined;
  return {
    ...(loss ? { loss } : {}),
    perImage,
    summary: summaryOf(perImage, cfg, alphas),
    subsets,
    ced: perImage.map((r) => r.nme).filter((v): v is number => v !== undefined),
    protocol: {
      name: [
        protocolName(
          imageProtocol,
          nmeProtocol,
          cfg,
          opts.dataset,
          perImage.some((r) => r.nmeBox !== undefined),
        ),
        ...(faceProtocol ? [faceProtocol] : []),
      ].join(' · '),
      ...(opts.dataset ? { data: { name: opts.dataset.name, crop: opts.dataset.crop, labels: describeLabels(opts.dataset.labels) } } : {}),
      image: imageProtocol,
      nme: nmeProtocol,
      aucAlphas: [...cfg.aucAlphas],
      failureAlpha: cfg.failureAlpha,
      aucMethod: 'exact',
    },
  };
}

/** The table columns of one evaluation: nme, auc@α…, fr@α, psnr, ssim (null where not measured). */
export function metricsRow(e: Evaluation): Record<string, number | null> {
  const s = e.summary;
  const row: Record<string, number | null> = { nme: s.nme ?? null };
  for (const a of e.protocol.aucAlphas) row[`auc@${a}`] = s.auc[String(a)] ?? null;
  row[`fr@${e.protocol.failureAlpha}`] = s.failureRate[String(e.protocol.failureAlpha)] ?? null;
  row.psnr = s.psnr ?? null;
  row.ssim = s.ssim ?? null;
  if (s.identity !== undefined) row.identity = s.identity;
  if (s.downstreamNme !== undefined) row['downstream-nme'] = s.downstreamNme;
  // 3D columns only on 3D data, so the rows of 2D evaluations keep their columns.
  const t = s.threeD;
  if (t) {
    row['nme-box'] = t.nmeBox;
    row.nme3d = t.nme3d ?? null;
    for (const a of e.protocol.aucAlphas) row[`auc3d@${a}`] = t.auc3d[String(a)] ?? null;
    for (const bin of YAW_BIN_NAMES) {
      row[`nme-box@${bin}`] = t.yaw?.nmeBox.bins[bin].mean ?? null;
      row[`nme3d@${bin}`] = t.yaw?.nme3d?.bins[bin].mean ?? null;
    }
    row['nme-box@yaw-mean'] = t.yaw?.nmeBox.mean ?? null;
    row['nme3d@yaw-mean'] = t.yaw?.nme3d?.mean ?? null;
  }
  return row;
}

/** The table columns of the metrics that see faces (EvaluateOptions.faceMetrics). */
export const FACE_METRIC_COLUMNS = ['identity', 'downstream-nme'] as const;

/**
 * Identity similarity and downstream NME of SR images (in [0, 1]) against the batch's HR faces and ground-truth
 * landmarks; both crop nothing but what src/metrics/identity.ts documents (face-api's recognition box from the
 * ground truth, the same for SR and HR).
 */
async function faceMetrics(
  sr: tf.Tensor4D,
  batch: FaceBatch,
  normalizer: NmeNormalizer | undefined,
): Promise<{ identity: number[]; downstreamNme: number[]; protocol: string }> {
  const landmarks = (batch.landmarks.arraySync() as number[][][]).map((points) => Float32Array.from(points.flat()));
  const identity = await identitySimilarity(sr, batch.hr, landmarks);
  const downstream = await downstreamNme(sr, landmarks, { visible: batch.visible, ...(normalizer ? { normalizer } : {}) });
  const p = downstream.protocol;
  return {
    identity,
    downstreamNme: downstream.nme,
    protocol: `identity: face-api 128-D recognition cosine, recognition box from the ground truth, 8-bit · downstream NME: face-api 68-point net on SR, ${p.normalizer} (${p.reduction})`,
  };
}
