// N-API glue shared by the addon's kernels: typed-array access with size checks, argument counts, and turning
// C++ exceptions into JS errors that name the operand.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <exception>
#include <string>

namespace jasr {

struct JsError {
  std::string message;
};

inline void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw JsError{std::string("jasr_native: ") + what + " failed"};
  (void)env;
}

/** A typed array's data and length; `what` names the argument in the error when `v` is not one of type `want`. */
inline void* typedArrayData(napi_env env, napi_value v, napi_typedarray_type want, const std::string& what, size_t* length) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  bool isTyped = false;
  check(env, napi_is_typedarray(env, v, &isTyped), "napi_is_typedarray");
  if (isTyped) check(env, napi_get_typedarray_info(env, v, &type, length, &data, &buffer, &offset), "napi_get_typedarray_info");
  if (!isTyped || type != want) throw JsError{"jasr_native: " + what + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array")};
  return data;
}

inline float* floatData(napi_env env, napi_value v, const char* role, size_t expected) {
  size_t length = 0;
  void* data = typedArrayData(env, v, napi_float32_array, std::string("'") + role + "'", &length);
  if (length != expected) {
    throw JsError{std::string("jasr_native: '") + role + "' has " + std::to_string(length) + " elements, the geometry needs " +
                  std::to_string(expected)};
  }
  return static_cast<float*>(data);
}

/** A Float32Array of any length (the operand that sets the size the others are checked against); `*length` gets it. */
inline float* floatDataAnyLength(napi_env env, napi_value v, const char* role, size_t* length) {
  return static_cast<float*>(typedArrayData(env, v, napi_float32_array, std::string("'") + role + "'", length));
}

inline bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(env, napi_typeof(env, v, &t), "napi_typeof");
  return t == napi_null || t == napi_undefined;
}

template <size_t N>
inline void args(napi_env env, napi_callback_info info, napi_value (&out)[N]) {
  size_t argc = N;
  check(env, napi_get_cb_info(env, info, &argc, out, nullptr, nullptr), "napi_get_cb_info");
  if (argc != N) throw JsError{"jasr_native: expected " + std::to_string(N) + " arguments, got " + std::to_string(argc)};
}

template <typename F>
inline napi_value guarded(napi_env env, F&& f) {
  try {
    return f();
  } catch (const JsError& e) {
    napi_throw_error(env, nullptr, e.message.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("jasr_native: ") + e.what()).c_str());
  }
  return nullptr;
}

/** An Int32Array argument of exactly `expected` elements (`what` names it in the error). */
inline const int32_t* int32Data(napi_env env, napi_value v, const char* what, size_t expected) {
  size_t length = 0;
  void* data = typedArrayData(env, v, napi_int32_array, what, &length);
  if (length != expected) throw JsError{std::string("jasr_native: ") + what + " must be an Int32Array of " + std::to_string(expected)};
  return static_cast<const int32_t*>(data);
}

inline void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

inline napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

}  // namespace jasr
