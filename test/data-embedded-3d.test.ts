import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEmbedded } from '../src/data/embedded/build';
import { EmbeddedSetError, MANIFEST_NAME, Manifest, ManifestSample, loadManifestSample, readManifest } from '../src/data/embedded/manifest';
import { FACE_MESH_POINTS, FACE_MESH_POSE_POINTS, FACE_MESH_TO_IBUG68 } from '../src/data/face-mesh-68';
import { headPoseFromMesh } from '../src/data/embedded/face-mesh-pose';
import { labellerAgreement } from '../src/data/embedded/labeller-agreement';
import { openDataset } from '../src/data/open';
import { inspectDataset } from '../src/data/inspect';
import { landmarkBox } from '../src/data/crop';
import { command as dataCommand } from '../src/cli/data';
import * as tf from '@tensorflow/tfjs';
import { loadFaceMesh } from '../src/data/embedded/face-mesh';
import { meshLabels } from '../src/data/embedded/mesh-labels';
import { readImage, rgbToFloat } from '../src/data/image-io';

/** The manifest as a kit of version 1 wrote it: no 3D fields. */
function asVersion1(m: Manifest): Manifest {
  const samples = m.samples.map((s): ManifestSample => {
    const { depth, landmarks3d, pose, meshScore, ...rest } = s;
    void [depth, landmarks3d, pose, meshScore];
    return rest;
  });
  const { labeller3d, ...rest } = m;
  void labeller3d;
  return { ...rest, version: 1, samples };
}

/** Each face its own photo group (a one-photo set has one group, too few for an interval). */
function perFaceGroups(m: Manifest): Manifest {
  return { ...m, samples: m.samples.map((s) => ({ ...s, provenance: { ...s.provenance, group: s.id } })) };
}

/** A copy of a set folder (manifest rewritten, images copied). */
function copySet(from: string, to: string, manifest: Manifest): void {
  fs.mkdirSync(to, { recursive: true });
  for (const s of manifest.samples) {
    fs.mkdirSync(path.dirname(path.join(to, s.image)), { recursive: true });
    fs.copyFileSync(path.join(from, s.image), path.join(to, s.image));
  }
  fs.writeFileSync(path.join(to, MANIFEST_NAME), JSON.stringify(manifest));
}

/** Rotation Rz(roll)·Ry(yaw)·Rx(pitch) applied to [x, y, z] (the decomposition face-mesh-pose.ts inverts). */
function rotate(p: [number, number, number], pitchDeg: number, yawDeg: number, rollDeg: number): [number, number, number] {
  const [a, b, c] = [pitchDeg, yawDeg, rollDeg].map((d) => (d * Math.PI) / 180);
  const rx = (v: number[]): number[] => [v[0], Math.cos(a) * v[1] - Math.sin(a) * v[2], Math.sin(a) * v[1] + Math.cos(a) * v[2]];
  const ry = (v: number[]): number[] => [Math.cos(b) * v[0] + Math.sin(b) * v[2], v[1], -Math.sin(b) * v[0] + Math.cos(b) * v[2]];
  const rz = (v: number[]): number[] => [Math.cos(c) * v[0] - Math.sin(c) * v[1], Math.sin(c) * v[0] + Math.cos(c) * v[1], v[2]];
  const r = rz(ry(rx(p)));
  return [r[0], r[1], r[2]];
}

describe('data: pseudo-3D labels of the embedded set (face mesh)', function () {
  this.timeout(300000);

  it('the 468→68 table is VTX68 of the installed @vladmandic/human: 68 distinct vertices below 468, in iBUG order', () => {
    assert.strictEqual(FACE_MESH_TO_IBUG68.length, 68);
    assert.strictEqual(new Set(FACE_MESH_TO_IBUG68).size, 68);
    for (const v of FACE_MESH_TO_IBUG68) assert.ok(Number.isInteger(v) && v >= 0 && v < FACE_MESH_POINTS, `vertex ${v}`);
    // The copy is verbatim: parse the package's source file independently.
    const file = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'src', 'face', 'facemeshcoords.ts');
    const body = /export const VTX68: number\[\] = \[([^\]]*)\]/.exec(fs.readFileSync(file, 'utf8'));
    assert.ok(body, `VTX68 not found in ${file}`);
    const fromPackage = body[1]
      .replace(/\/\*[^*]*\*\//g, '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .map(Number);
    assert.deepStrictEqual([...FACE_MESH_TO_IBUG68], fromPackage);
    // MediaPipe's chin (152), nose tip (4) and the outer eye corners (33, 263) sit at iBUG 8, 30, 36, 45.
    assert.deepStrictEqual(
      [8, 30, 36, 45].map((i) => FACE_MESH_TO_IBUG68[i]),
      [152, 4, 33, 263],
    );
  });

  it('head pose from the mesh inverts a known rotation of the four pose vertices (and is 0 for a frontal face)', () => {
    const canonical: Record<number, [number, number, number]> = {
      [FACE_MESH_POSE_POINTS.rightEyeOuter]: [-45, -20, -10],
      [FACE_MESH_POSE_POINTS.leftEyeOuter]: [45, -20, -10],
      [FACE_MESH_POSE_POINTS.foreheadTop]: [0, -70, 5],
      [FACE_MESH_POSE_POINTS.chinBottom]: [0, 80, 5],
    };
    const mesh = (pitch: number, yaw: number, roll: number): Float32Array => {
      const pts = new Float32Array(3 * FACE_MESH_POINTS);
      for (const [i, p] of Object.entries(canonical)) pts.set(rotate(p, pitch, yaw, roll), 3 * Number(i));
      return pts;
    };
    const frontal = headPoseFromMesh(mesh(0, 0, 0));
    for (const v of Object.values(frontal)) assert.ok(Math.abs(v) < 1e-9, JSON.stringify(frontal));
    for (const [pitch, yaw, roll] of [
      [10, 30, -5],
      [-20, -60, 15],
      [5, 75, 0],
    ]) {
      const got = headPoseFromMesh(mesh(pitch, yaw, roll));
      // float32 storage of the rotated points: agreement to 1e-4 degrees.
      assert.ok(
        Math.abs(got.pitch - pitch) < 1e-4 && Math.abs(got.yaw - yaw) < 1e-4 && Math.abs(got.roll - roll) < 1e-4,
        `${[pitch, yaw, roll]} → ${JSON.stringify(got)}`,
      );
    }
  });

  describe('on a built subset (face-api sample1.jpg: 3 faces)', () => {
    let root: string;
    let dir: string;
    let manifest: Manifest;
    before(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-embedded-3d-'));
      dir = path.join(root, 'set');
      manifest = (await buildEmbedded({ out: dir, sourceLimit: 1, videoFrames: 0 })).manifest;
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it('stores version 2 with depth, the mesh 68 points, pose and the labeller (package, version, model)', () => {
      assert.strictEqual(manifest.version, 2);
      assert.strictEqual(manifest.samples.length, 3);
      assert.match(manifest.labeller3d ?? '', /^@vladmandic\/human 3\.3\.6 models\/facemesh\.json/);
      assert.ok(inspectDataset('embedded', dir).notes.includes(`3D labels (depth, pose; manifest version 2): ${manifest.labeller3d}`));
      assert.ok(
        manifest.notes.some((n) => /^3D labels \(face mesh\): [\d.]+ s of this build's [\d.]+ s$/.test(n)),
        manifest.notes.join('; '),
      );
      for (const s of manifest.samples) {
        assert.strictEqual(s.depth?.length, 68);
        assert.strictEqual(s.landmarks3d?.length, 204);
        assert.deepStrictEqual(
          s.depth,
          s.landmarks3d.filter((_, k) => k % 3 === 2),
        );
        const mean = s.depth.reduce((a, b) => a + b, 0) / 68;
        assert.ok(Math.abs(mean) < 1e-3, `${s.id}: depth mean ${mean}`);
        assert.ok((s.meshScore ?? 0) > 0.9, `${s.id}: mesh score ${s.meshScore}`);
        assert.ok(s.pose && Math.abs(s.pose.yaw) < 45 && Math.abs(s.pose.pitch) < 45 && Math.abs(s.pose.roll) < 45, `${s.id}: ${JSON.stringify(s.pose)}`);
      }
    });

    it('has plausible geometry: nose tip nearer than the ear-side jaw points and the outer eye corners; mesh points near face-api', () => {
      for (const s of manifest.samples) {
        const d = s.depth!;
        const io = Math.hypot(s.landmarks[72] - s.landmarks[90], s.landmarks[73] - s.landmarks[91]);
        // The nose tip stands in front of the ear-side jaw ends (0, 16) and the outer eye corners (36, 45). Each pair
        // is averaged over both sides: under yaw the near side comes forward, the far side goes back. Over the full
        // set (docs/embedded-3d.md) these margins are at least 0.62 and 0.21 inter-ocular distances.
        const pair = (a: number, b: number): number => (d[a] + d[b]) / 2;
        assert.ok(d[30] - pair(0, 16) > 0.3 * io, `${s.id}: z30 ${d[30]} vs jaw ends ${pair(0, 16)} (inter-ocular ${io})`);
        assert.ok(d[30] - pair(36, 45) > 0.15 * io, `${s.id}: z30 ${d[30]} vs eye corners ${pair(36, 45)} (inter-ocular ${io})`);
        assert.ok(pair(36, 45) > pair(0, 16), `${s.id}: eye corners in front of the jaw ends`);
        // 2D agreement per face (docs/embedded-3d.md): the full set's mean is ~6 %, its worst face ~25 %; these three
        // faces (small, turned) measured up to ~20 %.
        let sum = 0;
        for (let i = 0; i < 68; i++) sum += Math.hypot(s.landmarks3d![3 * i] - s.landmarks[2 * i], s.landmarks3d![3 * i + 1] - s.landmarks[2 * i + 1]);
        assert.ok(sum / 68 / io < 0.25, `${s.id}: NME ${((100 * sum) / 68 / io).toFixed(2)} %`);
      }
    });

    it('labelling a stored PNG again gives the manifest values exactly and leaves no tensor behind', async () => {
      const model = await loadFaceMesh();
      const s = manifest.samples[0];
      const hr = rgbToFloat(await readImage(path.join(dir, s.image)));
      meshLabels(model, hr, s.hrSize, s.landmarks); // the first run may allocate the model's lasting state
      const before = tf.memory().numTensors;
      const again = meshLabels(model, hr, s.hrSize, s.landmarks);
      assert.strictEqual(tf.memory().numTensors, before);
      assert.deepStrictEqual(again, { landmarks3d: s.landmarks3d, depth: s.depth, pose: s.pose, meshScore: s.meshScore });
    });

    it('labeller agreement: its mean NME equals an independent recomputation; regions and 68 points reported', () => {
      // One photo is one group; intervals need two, so each face is its own group here.
      const a = labellerAgreement(perFaceGroups(manifest), dir, { resamples: 200 });
      const perFace = manifest.samples.map((s) => {
        const io = Math.hypot(s.landmarks[72] - s.landmarks[90], s.landmarks[73] - s.landmarks[91]);
        let sum = 0;
        for (let i = 0; i < 68; i++) sum += Math.hypot(s.landmarks3d![3 * i] - s.landmarks[2 * i], s.landmarks3d![3 * i + 1] - s.landmarks[2 * i + 1]) / io;
        return sum / 68;
      });
      assert.ok(Math.abs(a.mean.mean - perFace.reduce((x, y) => x + y, 0) / 3) < 1e-12);
      assert.ok(a.mean.lo <= a.mean.mean && a.mean.mean <= a.mean.hi);
      assert.strictEqual(a.perPoint.length, 68);
      assert.deepStrictEqual(
        a.regions.map((r) => r.name),
        ['jaw', 'brows', 'nose', 'eyes', 'outer lips', 'inner lips'],
      );
      const regionMean = a.regions.reduce((x, r) => x + r.nme.mean * (Number(r.points.split('–')[1]) - Number(r.points.split('–')[0]) + 1), 0) / 68;
      assert.ok(Math.abs(regionMean - a.mean.mean) < 1e-12);
      assert.throws(() => labellerAgreement(asVersion1(manifest), dir), /expected an embedded set with 3D labels \(manifest version 2\), found version 1/);
    });

    it('`jasr data labellers --root` prints the protocol and the mean with its interval', async () => {
      const own = path.join(root, 'own-groups');
      copySet(dir, own, perFaceGroups(manifest));
      const lines: string[] = [];
      const log = console.log;
      console.log = (l: string): void => void lines.push(l);
      try {
        assert.strictEqual(await dataCommand.run(['labellers', '--root', own]), 0);
      } finally {
        console.log = log;
      }
      assert.match(
        lines.join('\n'),
        /protocol: NME of the mesh's 68 points against face-api's, mean over 68 points, normalised by face-api's inter-ocular distance ‖p36 − p45‖/,
      );
      assert.match(lines.join('\n'), /mean NME \d+\.\d\d % \[\d+\.\d\d, \d+\.\d\d\]/);
      assert.strictEqual(lines.filter((l) => /^ +\d+ +\d+ +\d/.test(l)).length, 68);
    });

    it('openDataset carries depth (rescaled with the re-crop) and pose into FaceSample', async () => {
      const ds = await openDataset({ format: 'embedded', root: dir, hrSize: 128, margin: 0.1 });
      const samples = [...ds.train, ...ds.val, ...ds.test];
      assert.strictEqual(samples.length, 3);
      assert.ok(ds.info.notes.some((n) => n.startsWith('pseudo-3D labels (depth, pose): @vladmandic/human 3.3.6')));
      for (const s of samples) {
        const stored = manifest.samples.find((m) => m.id === s.id)!;
        const [x1, , x2] = landmarkBox(s.landmarks);
        const [sx1, , sx2] = landmarkBox(stored.landmarks);
        const scale = (x2 - x1) / (sx2 - sx1);
        assert.ok(s.depth instanceof Float32Array && s.depth.length === 68);
        for (let i = 0; i < 68; i++) assert.ok(Math.abs(s.depth[i] - stored.depth![i] * scale) < 1e-3, `${s.id} z${i}`);
        assert.deepStrictEqual(s.pose, stored.pose);
      }
    });

    it('an old (version 1) set still loads without depth, read-only; `jasr data build` adds the same 3D labels in place', async () => {
      const old = path.join(root, 'old');
      copySet(dir, old, asVersion1(manifest));
      const ds = await openDataset({ format: 'embedded', root: old });
      for (const s of [...ds.train, ...ds.val, ...ds.test]) assert.ok(s.depth === undefined && s.pose === undefined, s.id);
      assert.strictEqual(readManifest(old)?.version, 1, 'reading must not upgrade a folder the user named');
      assert.ok(inspectDataset('embedded', old).notes.includes('no 3D labels (manifest version 1); `jasr data build` adds them in place'));
      const up = await buildEmbedded({ out: old });
      assert.strictEqual(up.rebuilt, false);
      const after = readManifest(old)!;
      assert.strictEqual(after.version, 2);
      assert.strictEqual(after.labeller3d, manifest.labeller3d);
      // The build labels the PNG's pixels, the upgrade reads the PNG: identical labels, 2D untouched.
      assert.deepStrictEqual(
        after.samples.map((s) => [s.id, s.landmarks, s.depth, s.landmarks3d, s.pose, s.meshScore]),
        manifest.samples.map((s) => [s.id, s.landmarks, s.depth, s.landmarks3d, s.pose, s.meshScore]),
      );
    });

    it('refuses a depth array of the wrong length and a manifest version it does not know, naming the file', async () => {
      const bad = { ...manifest.samples[0], depth: manifest.samples[0].depth!.slice(0, 67) };
      await assert.rejects(
        () => loadManifestSample(dir, bad),
        (e: Error) =>
          e instanceof EmbeddedSetError && e.message.includes(path.join(dir, MANIFEST_NAME)) && /expected 68 depth values.*found 67/.test(e.message),
      );
      const future = path.join(root, 'future');
      copySet(dir, future, { ...manifest, version: 3 });
      assert.throws(() => readManifest(future), /manifest\.json of version 3, this kit reads 1 and 2/);
    });
  });
});
