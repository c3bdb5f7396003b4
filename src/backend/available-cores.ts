/**
 * How many CPUs this process may really use: the affinity mask (os.availableParallelism is sched_getaffinity on
 * Linux) capped by the cgroup CPU quota, which Node 20's libuv (1.46) does not read. A container limited to 2 CPUs
 * on a 64-core host would otherwise start 64 OpenMP threads that the quota then throttles in turn.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where the cgroup files are; tests point these at a fake tree. */
export interface CgroupPaths {
  /** The cgroup mount (v2 unified, or the parent of the v1 controller folders). */
  root: string;
  /** /proc/self/cgroup: which cgroup this process is in. */
  membership: string;
}

const SYSTEM: CgroupPaths = { root: '/sys/fs/cgroup', membership: '/proc/self/cgroup' };

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The folder and its ancestors up to `root` (inside a container the process's own cgroup is often the mount root). */
function withAncestors(root: string, cgroupPath: string): string[] {
  const dirs: string[] = [];
  for (let p = path.posix.normalize(`/${cgroupPath}`); ; p = path.posix.dirname(p)) {
    dirs.push(path.join(root, p));
    if (p === '/') return dirs;
  }
}

/** CPUs a quota of `quota` µs per `period` µs allows, or null for no limit / unreadable text. */
function cpusOf(quota: number, period: number): number | null {
  return Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0 ? quota / period : null;
}

/**
 * The tightest CPU quota over this process's cgroup and its ancestors, in CPUs (e.g. 1.5), or null when there is
 * none: cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), cgroup v1 `cpu.cfs_quota_us` (-1 = none) over
 * `cpu.cfs_period_us`.
 */
export function cgroupCpuQuota(paths: CgroupPaths = SYSTEM): number | null {
  const membership = readText(paths.membership);
  if (membership === null) return null;
  let tightest: number | null = null;
  const consider = (cpus: number | null): void => {
    if (cpus !== null && (tightest === null || cpus < tightest)) tightest = cpus;
  };
  for (const line of membership.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m === null) continue;
    const [, controllers, cgroupPath] = m;
    if (controllers === '') {
      for (const dir of withAncestors(paths.root, cgroupPath)) {
        const text = readText(path.join(dir, 'cpu.max'));
        if (text === null) continue;
        const [quota, period] = text.trim().split(/\s+/);
        consider(quota === 'max' ? null : cpusOf(Number(quota), Number(period)));
      }
    } else if (controllers.split(',').includes('cpu')) {
      for (const base of [path.join(paths.root, controllers), path.join(paths.root, 'cpu')]) {
        for (const dir of withAncestors(base, cgroupPath)) {
          const quota = readText(path.join(dir, 'cpu.cfs_quota_us'));
          const period = readText(path.join(dir, 'cpu.cfs_period_us'));
          if (quota !== null && period !== null) consider(cpusOf(Number(quota.trim()), Number(period.trim())));
        }
      }
    }
  }
  return tightest;
}

/**
 * Cores this process may use: the affinity mask's count, capped by the cgroup quota rounded up (1.5 CPUs → 2
 * threads: together they can use the whole quota, one thread could not), at least 1.
 */
export function availableCores(
  paths: CgroupPaths = SYSTEM,
  affinity: number = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
): number {
  const quota = cgroupCpuQuota(paths);
  return Math.max(1, quota === null ? affinity : Math.min(affinity, Math.ceil(quota - 1e-9)));
}
