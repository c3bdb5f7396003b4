/** Medians for the benchmarks that compare repeated measurements (bench/paired-steps.ts, bench/suite.ts --rounds). */

/** The median (the mean of the two middle values for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A distribution-free 95 % interval for the median of `xs`: the order statistics a binomial(n, ½) puts 2.5 % outside. */
export function medianInterval(xs: number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let lo = 0;
  let tail = 0;
  // P(Binomial(n, ½) ≤ k), accumulated until it passes 2.5 %.
  let coefficient = 1;
  for (let k = 0; k < n; k++) {
    tail += coefficient / 2 ** n;
    if (tail > 0.025) break;
    lo = k + 1;
    coefficient = (coefficient * (n - k)) / (k + 1);
  }
  return [s[Math.min(lo, n - 1)], s[Math.max(0, n - 1 - lo)]];
}
