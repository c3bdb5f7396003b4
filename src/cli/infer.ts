/**
 * `jasr infer`: one face image of any size (a real tiny face with no HR original included) → SR image PNG,
 * landmark JSON (HR pixels and original-image pixels) and an overlay PNG, through inferFace().
 *
 * Every output goes through the atomic writer (src/core/atomic-write.ts, also behind writeImage), so a failure
 * (a full disk, a kill) leaves complete files or none: no 0-byte file and no temporary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';
import { writeJsonAtomic } from '../core/atomic-write';
import { initBackend } from '../backend/index';
import { readImage, writeImage } from '../data/image-io';
import { loadRunModel } from '../pipeline/run-experiment';
import { InferModelError, inferFace } from '../task/infer';

const OPTIONS = {
  checkpoint: { value: true, placeholder: '<dir>', description: 'run directory (best, else last, checkpoint) or a checkpoint directory' },
  image: { value: true, placeholder: '<file>', description: 'face image (PNG/JPEG, any size), roughly cropped to the face' },
  out: { value: true, placeholder: '<dir>', description: 'output directory (default: beside the image, <name>.jasr/)' },
};

/** A path given on the command line is not the kind of thing the option needs. */
export class InferPathError extends KnownError {}

/** Fails before the backend loads (seconds) when --checkpoint or --out cannot be what they must be. */
function checkPaths(checkpoint: string, outDir: string): void {
  if (!fs.existsSync(checkpoint))
    throw new InferPathError(`${checkpoint}: --checkpoint: expected a run directory or a checkpoint directory, found no such directory`);
  if (!fs.statSync(checkpoint).isDirectory())
    throw new InferPathError(`${checkpoint}: --checkpoint: expected a run directory or a checkpoint directory, found a file`);
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory())
    throw new InferPathError(`${outDir}: --out: expected a directory (new or existing), found a file`);
}

export const command: Command = {
  name: 'infer',
  summary: 'Super-resolve and align one face image of any size: SR PNG, landmark JSON, overlay PNG',
  usage: 'infer --checkpoint <run dir> --image <file> [--out <dir>]',
  options: OPTIONS,
  details: `The image is resampled to the model's LR size (16×16 for ×8; antialiased bicubic when shrinking; an
image already at that size, e.g. a saved LR PNG, is used as it is), then turned into the network input by the
same function as training and evaluation, with the run's data.quantize (8-bit LR and uint8 cubic when true). Non-square images are stretched to a square; landmarks.json gives points both in HR
pixels of the SR image and in the original image's pixels (pixel centres at integers). Outputs are written
atomically: on an error (e.g. a full disk) no partial or temporary file is left.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const imageFile = args.requireString('image');
    const checkpoint = args.requireString('checkpoint');
    const stem = path.basename(imageFile).replace(/\.[^.]+$/, '');
    const outDir = args.string('out') ?? path.join(path.dirname(imageFile), `${stem}.jasr`);
    checkPaths(checkpoint, outDir);
    const image = await readImage(imageFile);
    await initBackend({ quiet: true });
    const run = loadRunModel(checkpoint);
    try {
      let r: ReturnType<typeof inferFace>;
      try {
        r = inferFace(run.model, image, { quantize: run.experiment.data.quantize ?? false });
      } catch (e) {
        if (e instanceof InferModelError) throw new InferModelError(`${run.checkpointDir}: ${e.message}`);
        throw e;
      }
      fs.mkdirSync(outDir, { recursive: true });
      const written: string[] = [];
      const put = async (name: string, img: Parameters<typeof writeImage>[1]): Promise<void> => {
        const file = path.join(outDir, name);
        await writeImage(file, img);
        written.push(file);
      };
      await put(`${stem}-lr.png`, r.lr);
      await put(`${stem}-input.png`, r.input);
      if (r.sr) await put(`${stem}-sr.png`, r.sr);
      await put(`${stem}-overlay.png`, r.overlay);
      const json = path.join(outDir, `${stem}-landmarks.json`);
      writeJsonAtomic(json, {
        image: path.resolve(imageFile),
        checkpoint: run.checkpointDir,
        experiment: run.experiment.name,
        sizes: r.sizes,
        quantize: run.experiment.data.quantize ?? false,
        landmarksHr: r.landmarksHr,
        landmarksOriginal: r.landmarksOriginal,
        note: 'pixel centres at integers; HR = the SR image frame',
      });
      written.push(json);
      console.log(
        `${imageFile} (${r.sizes.original.join('×')}) → LR ${r.sizes.lr}² → SR ${r.sizes.hr}²${r.landmarksHr ? `, ${r.landmarksHr.length} landmarks` : ''}`,
      );
      for (const f of written) console.log(`  ${f}`);
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
