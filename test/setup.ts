// Loaded by mocha before every test file (see .mocharc.json): one backend for the whole run.
// JASR_BACKEND forces a backend (e.g. JASR_BACKEND=cpu npm test).
import { initBackend, BackendName } from '../src/backend';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await initBackend({ force: (process.env.JASR_BACKEND as BackendName | undefined) ?? undefined, quiet: true });
  },
};
