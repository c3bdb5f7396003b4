/** Issue 20: oneDNN's OpenMP threads wait passively on a machine busier than its cores (src/backend/omp-wait.ts). */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { busyMachineWaitPolicy } from '../src/backend/omp-wait';
import { addonPath } from '../src/backend/native-addon';

describe('backend/omp-wait: passive OpenMP wait when the load exceeds the cores', () => {
  it('passive above the cores, libgomp default at or below them, and never over what the user set', () => {
    assert.equal(busyMachineWaitPolicy({}, 4.5, 2), 'passive');
    assert.equal(busyMachineWaitPolicy({}, 2, 2), null);
    assert.equal(busyMachineWaitPolicy({}, 0.3, 2), null);
    assert.equal(busyMachineWaitPolicy({ OMP_WAIT_POLICY: 'active' }, 20, 2), null);
    assert.equal(busyMachineWaitPolicy({ GOMP_SPINCOUNT: '300000' }, 20, 2), null);
  });

  it('libgomp, loaded with the addon, takes the wait policy set in process.env just before the load', function () {
    this.timeout(60_000);
    // OMP_DISPLAY_ENV=verbose makes libgomp print what it read when it loaded; the policy is set as the kit sets it.
    const settings = (policy: string): string => {
      const code = [
        `process.env.OMP_WAIT_POLICY = '${policy}';`,
        "process.env.OMP_DISPLAY_ENV = 'verbose';",
        "const r = require('./src/backend/native-addon').loadNativeAddon();",
        'if (!r.ok) { console.error(r.reason); process.exit(3); }',
      ].join(' ');
      const env = { ...process.env };
      delete env.OMP_WAIT_POLICY;
      delete env.GOMP_SPINCOUNT;
      const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', code], { cwd: path.join(__dirname, '..'), encoding: 'utf8', env });
      assert.equal(r.status, 0, `the addon (${addonPath()}) did not load: ${r.stderr}`);
      return r.stdout + r.stderr;
    };
    // Passive: no spinning at all; active: spinning (libgomp's count for ACTIVE is far above 0).
    assert.match(settings('passive'), /GOMP_SPINCOUNT = '0'/);
    const active = settings('active');
    assert.match(active, /OMP_WAIT_POLICY = 'ACTIVE'/);
    assert.doesNotMatch(active, /GOMP_SPINCOUNT = '0'/);
  });
});
