/**
 * One `buildEmbedded` in a child process, for the fault tests that SIGKILL it at chosen moments
 * (test/faults/data-build-kill.test.ts). Arguments: <out dir> <force 0|1> <sourceLimit>.
 * Prints `ready` once the backend and face-api are loaded (the kill delays count from there), a `log` line per
 * source, then `built <faces>` or `error <message>`.
 */
import { initBackend } from '../../src/backend/index';
import { loadFaceApi } from '../../src/data/embedded/face-api';
import { buildEmbedded } from '../../src/data/embedded/build';

async function main(): Promise<void> {
  const [out, force, limit] = process.argv.slice(2);
  await initBackend({ quiet: true });
  await loadFaceApi();
  process.stdout.write(`ready ${Date.now()}\n`);
  const r = await buildEmbedded({ out, force: force === '1', sourceLimit: Number(limit), videoFrames: 0, log: (l) => process.stdout.write(`log ${l}\n`) });
  process.stdout.write(`built ${r.manifest.samples.length} ${Date.now()}\n`);
}

main().catch((e: Error) => {
  process.stdout.write(`error ${e.message}\n`);
  process.exitCode = 1;
});
