/**
 * pcaRgb against numpy's eigen-decomposition (Debian's /usr/bin/python3): a random 12×10×6 feature map with a
 * well-separated spectrum, written and decomposed by numpy, then projected here.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { pcaRgb } from '../src/notebook/pca';

interface Reference {
  data: number[];
  explained: number[];
  components: number[][];
  projected: number[][];
}

function numpyReference(): Reference {
  const code = `
import numpy as np, json
rng = np.random.default_rng(7)
h, w, c = 12, 10, 6
basis, _ = np.linalg.qr(rng.normal(size=(c, c)))
scores = rng.normal(size=(h * w, c)) * np.array([3.0, 2.0, 1.2, 0.5, 0.3, 0.1])
x = (scores @ basis.T + rng.normal(size=c)).astype(np.float32).astype(np.float64)
xc = x - x.mean(0)
cov = xc.T @ xc / (h * w - 1)
vals, vecs = np.linalg.eigh(cov)
order = np.argsort(vals)[::-1][:3]
vecs = vecs[:, order]
for k in range(3):
    if vecs[np.argmax(np.abs(vecs[:, k])), k] < 0: vecs[:, k] *= -1
print(json.dumps({'data': x.ravel().tolist(), 'explained': (vals[order] / vals.sum()).tolist(),
                  'components': vecs.T.tolist(), 'projected': (xc @ vecs).tolist()}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Reference;
}

describe('notebook: PCA of a feature map to RGB', function () {
  this.timeout(60000);
  it('matches numpy eigh: explained variance, components (sign-fixed) and the min–max scaled projection', () => {
    const ref = numpyReference();
    const feature = tf.tensor4d(ref.data, [1, 12, 10, 6]);
    const before = tf.memory().numTensors;
    const pca = pcaRgb(feature);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    feature.dispose();
    assert.equal(pca.width, 10);
    assert.equal(pca.height, 12);
    for (let k = 0; k < 3; k++) {
      assert.ok(Math.abs(pca.explained[k] - ref.explained[k]) < 1e-4, `explained[${k}] ${pca.explained[k]} vs ${ref.explained[k]}`);
      for (let c = 0; c < 6; c++) assert.ok(Math.abs(pca.components[k][c] - ref.components[k][c]) < 1e-3, `component ${k} channel ${c}`);
      const col = ref.projected.map((row) => row[k]);
      const lo = Math.min(...col),
        hi = Math.max(...col);
      col.forEach((v, p) => assert.ok(Math.abs(pca.rgb[p * 3 + k] - (v - lo) / (hi - lo)) < 1e-3, `pixel ${p} component ${k}`));
    }
    assert.ok(pca.explained[0] > pca.explained[1] && pca.explained[1] > pca.explained[2]);
  });

  it('handles fewer than three channels (missing components are 0) and rejects maps that are not [1,H,W,C] or [H,W,C]', () => {
    const two = tf.tensor3d([1, 0, 2, 0, 3, 1, 4, 1], [2, 2, 2]);
    const pca = pcaRgb(two);
    two.dispose();
    assert.equal(pca.explained[2], 0);
    assert.ok(Math.abs(pca.explained[0] + pca.explained[1] - 1) < 1e-5);
    for (let p = 0; p < 4; p++) assert.equal(pca.rgb[p * 3 + 2], 0);
    const flat = tf.zeros([5, 5]);
    assert.throws(() => pcaRgb(flat), /pcaRgb: expected a feature map \[1, H, W, C\] or \[H, W, C\], found shape \[5, 5\]/);
    flat.dispose();
  });
});
