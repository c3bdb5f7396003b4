/**
 * Landmark permutations for a horizontal flip: after flipping, point `table[i]` takes the mirrored position of
 * point i (the official `pts_hflip`: pts[flip[i]] = flipped(pts[i])). Each table is an involution.
 * 68/194/19 are the official tables; 98 (WFLW) follows the pairs used by HRNet/WFLW tools; 5 is CelebA's
 * (left eye, right eye, nose, left mouth, right mouth).
 */

function fromPairs(n: number, pairs: [number, number][]): number[] {
  const t = Array.from({ length: n }, (_, i) => i);
  for (const [a, b] of pairs) {
    t[a] = b;
    t[b] = a;
  }
  return t;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const reversed = (a: number, b: number): number[] => range(a, b).reverse();

const FLIP_68 = [
  ...reversed(0, 16),
  ...reversed(17, 26),
  27,
  28,
  29,
  30,
  ...reversed(31, 35),
  45,
  44,
  43,
  42,
  47,
  46,
  39,
  38,
  37,
  36,
  41,
  40,
  54,
  53,
  52,
  51,
  50,
  49,
  48,
  59,
  58,
  57,
  56,
  55,
  64,
  63,
  62,
  61,
  60,
  67,
  66,
  65,
];

const FLIP_194 = [
  ...reversed(0, 40),
  ...reversed(41, 57),
  ...reversed(58, 70),
  ...reversed(71, 85),
  ...reversed(86, 99),
  ...reversed(100, 113),
  ...range(134, 153),
  ...range(114, 133),
  ...range(174, 193),
  ...range(154, 173),
];

const FLIP_19 = [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 14, 13, 12, 17, 16, 15, 18];

const FLIP_98 = fromPairs(98, [
  ...range(0, 15).map((i): [number, number] => [i, 32 - i]),
  [33, 46],
  [34, 45],
  [35, 44],
  [36, 43],
  [37, 42],
  [38, 50],
  [39, 49],
  [40, 48],
  [41, 47],
  [55, 59],
  [56, 58],
  [60, 72],
  [61, 71],
  [62, 70],
  [63, 69],
  [64, 68],
  [65, 75],
  [66, 74],
  [67, 73],
  [76, 82],
  [77, 81],
  [78, 80],
  [87, 83],
  [86, 84],
  [88, 92],
  [89, 91],
  [95, 93],
  [96, 97],
]);

const FLIP_5 = [1, 0, 2, 4, 3];

export const FLIP_TABLES: Readonly<Record<number, readonly number[]>> = {
  5: FLIP_5,
  19: FLIP_19,
  68: FLIP_68,
  98: FLIP_98,
  194: FLIP_194,
};

/** Outer eye corners (image-left first) per scheme, used by tests and NME normalisers. */
export const OUTER_EYE_CORNERS: Readonly<Record<number, readonly [number, number]>> = {
  5: [0, 1],
  19: [6, 11],
  68: [36, 45],
  98: [60, 72],
  194: [114, 134],
};

export function flipTable(points: number): readonly number[] {
  const t = FLIP_TABLES[points];
  if (!t) throw new Error(`no horizontal-flip table for ${points} landmarks (have ${Object.keys(FLIP_TABLES).join(', ')})`);
  return t;
}
