import { wasmConvGradKernelsRegistered } from '../src/backend';
import { convParityCases } from './helpers/conv-parity';
import { useWasmForSuite } from './helpers/gradient-compare';

describe('backend: wasm conv gradients (forward-conv XNNPACK kernels) match the cpu backend', function () {
  useWasmForSuite(wasmConvGradKernelsRegistered, 'the conv-gradient kernels', { convs: 'xnnpack' });
  convParityCases();
});
