/**
 * `jasr infer`: one face image of any size (a real tiny face with no HR original included) → SR image PNG,
 * landmark JSON (HR pixels and original-image pixels) and an overlay PNG, through inferFace().
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { initBackend } from '../backend';
import { readImage, writeImage } from '../data/image-io';
import { loadRunModel } from '../train/run-experiment';
import { inferFace } from '../train/infer';

const OPTIONS = {
  checkpoint: { value: true, placeholder: '<dir>', description: 'run directory (best, else last, checkpoint) or a checkpoint directory' },
  image: { value: true, placeholder: '<file>', description: 'face image (PNG/JPEG, any size), roughly cropped to the face' },
  out: { value: true, placeholder: '<dir>', description: 'output directory (default: beside the image, <name>.jasr/)' },
};

export const command: Command = {
  name: 'infer',
  summary: 'Super-resolve and align one face image of any size: SR PNG, landmark JSON, overlay PNG',
  usage: 'infer --checkpoint <run dir> --image <file> [--out <dir>]',
  options: OPTIONS,
  details: `The image is resampled to the model's LR size (16×16 for ×8; antialiased bicubic when shrinking), then
upsampled as in training. Non-square images are stretched to a square; landmarks.json gives points both in HR
pixels of the SR image and in the original image's pixels (pixel centres at integers).`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const imageFile = args.requireString('image');
    const checkpoint = args.requireString('checkpoint');
    await initBackend({ quiet: true });
    const image = await readImage(imageFile);
    const run = loadRunModel(checkpoint);
    try {
      const r = inferFace(run.model, image);
      const stem = path.basename(imageFile).replace(/\.[^.]+$/, '');
      const outDir = args.string('out') ?? path.join(path.dirname(imageFile), `${stem}.jasr`);
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
      fs.writeFileSync(json, JSON.stringify({
        image: path.resolve(imageFile),
        checkpoint: run.checkpointDir,
        experiment: run.experiment.name,
        sizes: r.sizes,
        landmarksHr: r.landmarksHr,
        landmarksOriginal: r.landmarksOriginal,
        note: 'pixel centres at integers; HR = the SR image frame',
      }, null, 1));
      written.push(json);
      console.log(`${imageFile} (${r.sizes.original.join('×')}) → LR ${r.sizes.lr}² → SR ${r.sizes.hr}²${r.landmarksHr ? `, ${r.landmarksHr.length} landmarks` : ''}`);
      for (const f of written) console.log(`  ${f}`);
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
