/** Issue 20: thread counts follow the CPUs the process may use, the cgroup CPU quota included (src/backend/available-cores.ts). */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { availableCores, cgroupCpuQuota } from '../src/backend/available-cores';

/** A fake cgroup tree: `files` maps paths under the mount to their text; returns the paths to hand in. */
function fakeCgroup(membership: string, files: Record<string, string>): { root: string; membership: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cgroup-'));
  const root = path.join(dir, 'sys-fs-cgroup');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(dir, 'self-cgroup'), membership);
  return { root, membership: path.join(dir, 'self-cgroup') };
}

describe('backend/available-cores: affinity capped by the cgroup CPU quota', () => {
  it('cgroup v2: the tightest cpu.max of the cgroup and its ancestors, rounded up to whole threads', () => {
    const paths = fakeCgroup('0::/jobs/run1\n', { 'cpu.max': 'max 100000\n', 'jobs/cpu.max': '300000 100000\n', 'jobs/run1/cpu.max': '150000 100000\n' });
    assert.equal(cgroupCpuQuota(paths), 1.5);
    assert.equal(availableCores(paths, 16), 2);
    assert.equal(availableCores(paths, 1), 1, 'the affinity mask still caps it');
  });

  it("cgroup v2 'max' everywhere, or no cgroup files at all: no quota, the affinity count", () => {
    const unlimited = fakeCgroup('0::/a\n', { 'a/cpu.max': 'max 100000\n' });
    assert.equal(cgroupCpuQuota(unlimited), null);
    assert.equal(availableCores(unlimited, 6), 6);
    assert.equal(cgroupCpuQuota({ root: '/nonexistent-cgroup-root', membership: '/nonexistent-proc-self-cgroup' }), null);
  });

  it('cgroup v1: cpu.cfs_quota_us over cpu.cfs_period_us in the cpu controller folder; -1 means none', () => {
    const limited = fakeCgroup('4:memory:/x\n3:cpu,cpuacct:/docker/abc\n', {
      'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '200000\n',
      'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(cgroupCpuQuota(limited), 2);
    assert.equal(availableCores(limited, 64), 2);
    const none = fakeCgroup('1:cpu:/\n', { 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n' });
    assert.equal(cgroupCpuQuota(none), null);
    assert.equal(availableCores(none, 2), 2);
  });

  it('a quota below one CPU still gives one thread', () => {
    const paths = fakeCgroup('0::/\n', { 'cpu.max': '20000 100000\n' });
    assert.equal(cgroupCpuQuota(paths), 0.2);
    assert.equal(availableCores(paths, 8), 1);
  });
});
