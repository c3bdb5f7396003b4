import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ADDON_PATH,
  CHECKSUM_SUFFIX,
  NATIVE_ADDON_PATH_ENV_VAR,
  NATIVE_KERNELS_ENV_VAR,
  addonPath,
  checkElfHeader,
  loadNativeAddon,
  validateAddonFile,
} from '../../src/backend/native-addon';

/**
 * Fault suite for the native addon file: every damaged copy is refused by the validator with a one-line reason,
 * and `jasr doctor` pointed at one (in a child process: a dlopen'ed addon cannot be unloaded and `require`
 * caches by path) falls back to XNNPACK instead of dying with SIGBUS. The copies live in a temporary folder;
 * the built addon is only read.
 */
describe('faults: native addon file validated before it is loaded', function () {
  let dir: string;
  let original: Buffer;

  before(function () {
    if (!fs.existsSync(ADDON_PATH)) assert.fail(`${ADDON_PATH} missing: bash native/cpu-kernels/build.sh builds it (scripts/setup.sh does)`);
    original = fs.readFileSync(ADDON_PATH);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-addon-faults-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes `bytes` as `<name>` with the checksum of the intact build beside it (as a partial copy would have). */
  function copy(name: string, bytes: Uint8Array, checksum: string | null = fs.readFileSync(ADDON_PATH + CHECKSUM_SUFFIX, 'utf8')): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    if (checksum !== null) fs.writeFileSync(file + CHECKSUM_SUFFIX, checksum);
    return file;
  }

  function refused(file: string, pattern: RegExp): string {
    const r = validateAddonFile(file);
    assert.equal(r.ok, false, `${file} was accepted`);
    const reason = (r as { reason: string }).reason;
    assert.match(reason, pattern);
    assert.ok(!reason.includes('\n'), `one line: ${reason}`);
    return reason;
  }

  it('the build has its checksum beside it and passes', () => {
    assert.match(fs.readFileSync(ADDON_PATH + CHECKSUM_SUFFIX, 'utf8'), /^[0-9a-f]{64} {2}jasr_native\.node\n$/);
    assert.deepEqual(validateAddonFile(ADDON_PATH), { ok: true });
    assert.deepEqual(validateAddonFile(copy('intact.node', original)), { ok: true });
  });

  it('a copy truncated to half, or by one byte, is refused (header tables past the end, or checksum)', () => {
    const half = copy('half.node', original.subarray(0, original.length >> 1));
    refused(half, new RegExp(`^${half}: truncated: its ELF header tables end at byte ${original.length}, the file has ${original.length >> 1} bytes$`));
    const short = copy('short.node', original.subarray(0, original.length - 1));
    refused(short, /^.*short\.node: truncated: its ELF header tables end at byte \d+, the file has \d+ bytes$/);
    refused(copy('tiny.node', original.subarray(0, 40)), /tiny\.node: expected an ELF header of 64 bytes, found a 40-byte file$/);
    refused(copy('empty.node', new Uint8Array(0)), /empty\.node: expected an ELF header of 64 bytes, found a 0-byte file$/);
  });

  it('one flipped byte anywhere past the header is caught by the SHA-256', () => {
    for (const at of [100, original.length >> 1, original.length - 1]) {
      const flipped = Buffer.from(original);
      flipped[at] ^= 0x01;
      refused(
        copy(`flip-${at}.node`, flipped),
        /: SHA-256 [0-9a-f]{12}… differs from [0-9a-f]{12}… recorded in .*flip-\d+\.node\.sha256 \(a partial copy or another build/,
      );
    }
  });

  it('non-ELF, 32-bit, big-endian, executable (not shared) and another machine are refused by the header', () => {
    refused(
      copy('text.node', Buffer.from('#!/bin/sh\necho not an addon\n'.repeat(10))),
      /text\.node: not an ELF file \(expected magic 7f 45 4c 46, found 23 21 2f 62\)$/,
    );
    const patched = (offset: number, value: number[]): Buffer => {
      const b = Buffer.from(original);
      value.forEach((v, i) => (b[offset + i] = v));
      return b;
    };
    refused(copy('elf32.node', patched(4, [1])), /expected a 64-bit ELF \(class 2\), found class 1$/);
    refused(copy('msb.node', patched(5, [2])), /expected a little-endian ELF \(data 1\), found data 2$/);
    refused(copy('exec.node', patched(16, [2, 0])), /expected an ELF shared object \(type 3\), found type 2$/);
    refused(copy('arm.node', patched(18, [183, 0])), /expected an ELF for x86-64 \(machine 62\), found machine 183$/);
    // The header check is pure: the same header is right for an arm64 process only if it says AArch64.
    const header = original.subarray(0, 64);
    assert.equal(checkElfHeader(header, original.length, 'x64'), null);
    assert.match(checkElfHeader(header, original.length, 'arm64') ?? '', /expected an ELF for AArch64 \(machine 183\), found machine 62/);
    assert.match(checkElfHeader(header, original.length, 'ia32') ?? '', /no native addon for this CPU architecture \(ia32\)/);
  });

  it('a missing or malformed checksum file is refused; a directory or a missing file is unreadable, not a crash', () => {
    refused(
      copy('nosum.node', original, null),
      /nosum\.node\.sha256: missing \(written by bash native\/cpu-kernels\/build\.sh after a successful build; rerun it\)$/,
    );
    refused(
      copy('badsum.node', original, 'not-a-hash  jasr_native.node\n'),
      /badsum\.node\.sha256: expected a SHA-256 in hex \(64 characters\), found 'not-a-hash'$/,
    );
    const sub = path.join(dir, 'folder.node');
    fs.mkdirSync(sub);
    refused(sub, /folder\.node: (expected a regular file|unreadable \(EISDIR\))$/);
    refused(path.join(dir, 'absent.node'), /absent\.node: unreadable \(ENOENT\)$/);
  });

  it(`loadNativeAddon honours ${NATIVE_ADDON_PATH_ENV_VAR}: a damaged file is refused with the reason (never required)`, () => {
    const half = copy('env-half.node', original.subarray(0, original.length >> 1));
    assert.equal(addonPath({ [NATIVE_ADDON_PATH_ENV_VAR]: half }), half);
    assert.equal(addonPath({}), ADDON_PATH);
    const r = loadNativeAddon({ [NATIVE_ADDON_PATH_ENV_VAR]: half });
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /^refused: .*env-half\.node: truncated: /);
    const missing = loadNativeAddon({ [NATIVE_ADDON_PATH_ENV_VAR]: path.join(dir, 'nowhere.node') });
    assert.match(missing.reason ?? '', new RegExp(`nowhere\\.node missing \\(named by ${NATIVE_ADDON_PATH_ENV_VAR}\\)$`));
    assert.deepEqual(loadNativeAddon({ [NATIVE_KERNELS_ENV_VAR]: '0', [NATIVE_ADDON_PATH_ENV_VAR]: half }), {
      ok: false,
      reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}=0`,
    });
  });

  it('jasr doctor --json in a child process with a truncated addon: exit 0 on XNNPACK, the reason in the report, no SIGBUS', function () {
    this.timeout(120_000);
    const half = copy('doctor-half.node', original.subarray(0, original.length >> 1));
    const env: NodeJS.ProcessEnv = { ...process.env, [NATIVE_ADDON_PATH_ENV_VAR]: half };
    delete env.JASR_BACKEND;
    delete env[NATIVE_KERNELS_ENV_VAR];
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'jasr.js'), 'doctor', '--json'], {
      env,
      encoding: 'utf8',
      timeout: 100_000,
    });
    assert.equal(run.signal, null, `killed by ${run.signal}: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      canTrain: boolean;
      backend: { backend: string; nativeConv?: { active: boolean; reason?: string } };
      checks: { name: string; ok: boolean; detail: string }[];
    };
    assert.equal(report.canTrain, true);
    assert.equal(report.backend.backend, 'wasm');
    assert.equal(report.backend.nativeConv?.active, false);
    const reason = `refused: ${half}: truncated: its ELF header tables end at byte ${original.length}, the file has ${original.length >> 1} bytes`;
    assert.equal(report.backend.nativeConv?.reason, reason);
    const row = report.checks.find((c) => c.name === 'oneDNN convs');
    assert.deepEqual(row && { ok: row.ok, detail: row.detail }, { ok: false, detail: `off: ${reason}; convs run on XNNPACK` });
  });
});
