/** Machine facts every bench section prints. */
import * as fs from 'fs';

/** The CPU's AVX-512 flags from /proc/cpuinfo, or 'none' (AVX2-only machines run oneDNN's AVX2 kernels). */
export function avx512Flags(): string {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const flags = [...new Set(text.match(/avx512[a-z0-9_]*/g) ?? [])].sort();
    return flags.length > 0 ? flags.join(' ') : 'none';
  } catch {
    return 'unknown (no /proc/cpuinfo)';
  }
}
