/**
 * How oneDNN's OpenMP threads (libgomp) wait between parallel regions. libgomp's default spins about 300,000
 * iterations before sleeping; on a machine busier than its cores a spinning thread burns the time slice that the
 * thread it waits for (descheduled by the other work) needs, and every region waits for its slowest thread. The
 * contention bench measured the kit's 2-thread training 2–3× faster with OMP_WAIT_POLICY=passive at load ≈ 13–25
 * on 2 cores (bench/RESULTS.md, `contention`). So when the 1-min load average already exceeds the cores as the
 * addon loads, and the user set neither variable, the kit asks for a passive wait. libgomp reads the variable once,
 * when it is loaded with the addon, so this runs before that and holds for the process.
 */

/** Whether the user chose libgomp's wait (OMP_WAIT_POLICY or GOMP_SPINCOUNT): then the kit never sets one. */
export function userChoseOpenMpWait(env: NodeJS.ProcessEnv): boolean {
  return env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined;
}

/** The OMP_WAIT_POLICY to set for a machine at `load1` with `cores` cores, or null to leave libgomp's default. */
export function busyMachineWaitPolicy(env: NodeJS.ProcessEnv, load1: number, cores: number): 'passive' | null {
  if (userChoseOpenMpWait(env)) return null;
  return load1 > cores ? 'passive' : null;
}

/** Sets OMP_WAIT_POLICY in this process when busyMachineWaitPolicy says so; returns what it set, or null. */
export function applyBusyMachineWaitPolicy(load1: number, cores: number): 'passive' | null {
  const policy = busyMachineWaitPolicy(process.env, load1, cores);
  if (policy !== null) process.env.OMP_WAIT_POLICY = policy;
  return policy;
}
