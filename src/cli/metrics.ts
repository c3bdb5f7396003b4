/**
 * `jasr metrics`: PSNR and SSIM of one SR/HR pair under a named protocol, printed with every protocol choice.
 * Uses the float64 path (no TF.js backend needed for one pair).
 */
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';
import { readImage, rgbToFloat } from '../data/image-io';
import { parsePts } from '../data/formats/pts300w';
import { Box, IMAGE_PROTOCOL_NAMES, ImageProtocolName, evaluateImagesExact, landmarkBox } from '../metrics/index';

const OPTIONS = {
  sr: { value: true, placeholder: '<png>', description: 'super-resolved image' },
  hr: { value: true, placeholder: '<png>', description: 'ground-truth HR image (same size)' },
  protocol: { value: true, placeholder: '<standard|jasr>', description: 'metric protocol (default standard)' },
  scale: { value: true, placeholder: '<n>', description: 'SR factor = border shave in px (default 8)' },
  landmarks: { value: true, placeholder: '<pts file>', description: 'jasr: GT landmarks (300W .pts) whose box is the crop' },
  box: { value: true, placeholder: '<x1,y1,x2,y2>', description: 'jasr: face box in HR pixels instead of --landmarks (AFLW _bb.txt style)' },
  json: { description: 'print one JSON object' },
};

function parseBox(text: string): Box {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
    throw new OptionValueError('box', 'four comma-separated numbers x1,y1,x2,y2', `'${text}'`);
  }
  if (!(parts[0] < parts[2] && parts[1] < parts[3])) throw new OptionValueError('box', 'x1 < x2 and y1 < y2 (left,top,right,bottom)', `'${text}'`);
  return [parts[0], parts[1], parts[2], parts[3]];
}

/** The two images of a pair differ in size. */
export class ImageSizeMismatchError extends KnownError {}

function formatDb(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : 'inf';
}

export const command: Command = {
  name: 'metrics',
  summary: 'PSNR and SSIM of one SR/HR image pair under the standard or the JASRNet protocol',
  usage: 'metrics --sr <png> --hr <png> [--protocol standard|jasr] [--scale 8] [--landmarks <pts file> | --box x1,y1,x2,y2] [--json]',
  options: OPTIONS,
  details: `standard: Y of MATLAB rgb2ycbcr (BT.601) on 0..255, 'scale' px border crop, Wang SSIM (11×11 Gaussian σ 1.5,
  population covariance, valid), PSNR peak 255.
jasr: the official JASRNet calc_psnr: SR quantised to 8 bits, Y = (65.738R + 129.057G + 25.064B)/256 + 16 on [0,1],
  crop to the face box ∩ 'scale' px border, PSNR peak 1, skimage SSIM with sample covariance. Needs --landmarks or --box.
See docs/metrics.md for what differs and why it matters.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const srFile = args.requireString('sr');
    const hrFile = args.requireString('hr');
    const protocolName = (args.string('protocol') ?? 'standard') as ImageProtocolName;
    if (!IMAGE_PROTOCOL_NAMES.includes(protocolName)) {
      throw new OptionValueError('protocol', `one of ${IMAGE_PROTOCOL_NAMES.join(', ')}`, `'${protocolName}'`);
    }
    const scale = args.integer('scale') ?? 8;
    if (scale < 0) throw new OptionValueError('scale', 'an integer ≥ 0', String(scale));
    const landmarksFile = args.string('landmarks');
    const boxText = args.string('box');
    if (landmarksFile && boxText) throw new UsageError('give --landmarks or --box, not both');
    let box: Box | undefined;
    if (landmarksFile) box = landmarkBox(parsePts(landmarksFile));
    else if (boxText) box = parseBox(boxText);
    if (protocolName === 'jasr' && !box) throw new UsageError('--protocol jasr crops to the face box: give --landmarks <pts file> or --box x1,y1,x2,y2');

    const [sr, hr] = await Promise.all([readImage(srFile), readImage(hrFile)]);
    if (sr.width !== hr.width || sr.height !== hr.height) {
      throw new ImageSizeMismatchError(
        `${srFile}: expected the size of ${hrFile} (${hr.width}×${hr.height}), found ${sr.width}×${sr.height}; SR and HR must be the same size`,
      );
    }
    const result = evaluateImagesExact(
      [{ data: rgbToFloat(sr), width: sr.width, height: sr.height }],
      [{ data: rgbToFloat(hr), width: hr.width, height: hr.height }],
      { protocol: protocolName, scale, boxes: box ? [box] : undefined },
    );
    const crop = result.perImage.crop[0];
    if (args.flag('json')) {
      const psnr = Number.isFinite(result.psnr) ? result.psnr : 'Infinity';
      console.log(JSON.stringify({ psnr, ssim: result.ssim, protocol: result.protocol, crop, box: box ?? null, sr: srFile, hr: hrFile }, null, 1));
      return 0;
    }
    const p = result.protocol;
    console.log(`PSNR ${formatDb(result.psnr)} dB   SSIM ${result.ssim.toFixed(6)}   (protocol '${p.name}')`);
    console.log(
      `  Y ${p.yConversion}, data range ${p.dataRange}, 8-bit quantisation ${p.quantizeTo8bit ? 'on' : 'off'}; ` +
        `crop ${p.crop} (border ${p.borderPx} px) → x [${crop.x1}, ${crop.x2}) y [${crop.y1}, ${crop.y2}); ` +
        `SSIM ${p.ssim.windowSize}×${p.ssim.windowSize} Gaussian σ ${p.ssim.sigma}, ${p.ssim.covariance} covariance, ${p.ssim.boundary}`,
    );
    return 0;
  },
};
