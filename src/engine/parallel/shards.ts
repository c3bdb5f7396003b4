/** How a global batch is cut into per-replica shards, and how shard results are recombined exactly. */

/** `images` split into at most `replicas` consecutive shards, sizes differing by at most one (larger first). */
export function shardCounts(images: number, replicas: number): number[] {
  const r = Math.max(1, Math.min(replicas, images));
  const base = Math.floor(images / r);
  const extra = images - base * r;
  return Array.from({ length: r }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Σ_i (counts_i / total) · values_i per key: the batch mean of per-shard means. Every shard must report the
 * same keys.
 */
export function weightedMeans(values: Record<string, number>[], counts: number[]): Record<string, number> {
  const total = counts.reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  for (const k of Object.keys(values[0])) {
    let s = 0;
    values.forEach((v, i) => {
      if (v[k] === undefined) throw new Error(`data-parallel: shard ${i} reported no '${k}' loss term (shard 0 did)`);
      s += (counts[i] / total) * v[k];
    });
    out[k] = s;
  }
  return out;
}
