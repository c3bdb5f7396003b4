/**
 * Data every run of a plan shares and the kit itself builds: the embedded face set in the kit's cache. It is
 * built (or upgraded to the current manifest version) once, here, before an executor starts the runs — N runs
 * started side by side would otherwise race for the cache's build lock, and all but one would fail with
 * "in use by jasr data build". A dataset the user names (data.root) is only ever read, so nothing is done for it.
 */
import { buildEmbedded } from '../data/embedded/build';
import type { Experiment } from '../config/load';

export async function prepareSharedData(experiments: Experiment[], log: (line: string) => void): Promise<void> {
  if (!experiments.some((e) => e.data.format === 'embedded' && e.data.root === undefined)) return;
  const built = await buildEmbedded({});
  log(`embedded faces: ${built.manifest.samples.length} in ${built.dir}${built.rebuilt ? ' (built now)' : ''}`);
}
