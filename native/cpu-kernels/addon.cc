// jasr_native: CPU kernels for the wasm backend that run on the wasm heap in place (src/backend/native-addon.ts):
// oneDNN convolutions (conv.cc), two memory-bound backward kernels (reductions.cc) and elementwise ops with a
// fused Adam update (elementwise.cc).
#include <node_api.h>

void registerConvFunctions(napi_env env, napi_value exports);
void registerReductionFunctions(napi_env env, napi_value exports);
void registerElementwiseFunctions(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  registerConvFunctions(env, exports);
  registerReductionFunctions(env, exports);
  registerElementwiseFunctions(env, exports);
  return exports;
}
