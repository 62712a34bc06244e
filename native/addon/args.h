// Argument checks at the trust boundary: every raw entry point reads its arguments through
// these helpers, which throw ArgError (turned into a JS TypeError / RangeError naming the
// function) before any memory is touched. The success path uses raw Node-API calls only: no
// allocation, no strings, no handle-scope objects beyond what Node-API itself creates.
#pragma once
#include <node_api.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "hugepages.h"

namespace neurite_addon {

struct ArgError {
  bool range;  // RangeError, else TypeError
  std::string msg;
};

constexpr size_t kMaxArgs = 40;  // linearChain: 5 + 2 per layer, up to 16 layers (addon.cc)
constexpr double kMaxSafeInt = 9007199254740991.0;

template <class T>
struct View {
  T* data = nullptr;
  int64_t len = 0;     // elements
  bool null = false;   // the argument was null (optional arrays only)
};
using F32 = View<float>;
using I32 = View<int32_t>;

// An index array: an Int32Array, or a Float32Array holding integers (a float32 index tensor's
// data); exactly one of the pointers is set (both null for an empty array).
struct Index {
  const int32_t* i32 = nullptr;
  const float* f32 = nullptr;
  int64_t len = 0;
  // The first n entries as bytes (4 each), for overlap checks.
  View<const char> span(int64_t n) const {
    const void* p = i32 ? static_cast<const void*>(i32) : static_cast<const void*>(f32);
    return View<const char>{static_cast<const char*>(p), n * 4, false};
  }
};

class Args {
 public:
  // Exactly `want` arguments, or (variadic) from `want` to `most`.
  Args(napi_env env, napi_callback_info info, const char* fn, size_t want, size_t most = 0)
      : env_(env), fn_(fn) {
    if (most < want) most = want;
    // Node-API fills every slot it is given (undefined past the real arguments): give it only
    // this function's arity, so a fixed-arity call does not pay for linearChain's 37.
    argc_ = most < kMaxArgs ? most : kMaxArgs;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok)
      type_error("cannot read the arguments");
    if (argc_ < want || argc_ > most) {  // argc_ is the real count, even beyond kMaxArgs
      char b[96];
      if (most == want) std::snprintf(b, sizeof b, "expected %zu arguments, got %zu", want, argc_);
      else std::snprintf(b, sizeof b, "expected %zu to %zu arguments, got %zu", want, most, argc_);
      type_error(b);
    }
  }

  size_t count() const { return argc_; }

  napi_env env() const { return env_; }
  const char* fn() const { return fn_; }

  [[noreturn]] void type_error(const std::string& m) const { throw ArgError{false, prefix() + m}; }
  [[noreturn]] void range_error(const std::string& m) const { throw ArgError{true, prefix() + m}; }

  F32 f32(size_t i, const char* name) const { return arr<float>(i, name, napi_float32_array, "Float32Array", false); }
  F32 f32_or_null(size_t i, const char* name) const { return arr<float>(i, name, napi_float32_array, "Float32Array", true); }
  I32 i32(size_t i, const char* name) const { return arr<int32_t>(i, name, napi_int32_array, "Int32Array", false); }
  I32 i32_or_null(size_t i, const char* name) const { return arr<int32_t>(i, name, napi_int32_array, "Int32Array", true); }
  View<double> f64(size_t i, const char* name) const { return arr<double>(i, name, napi_float64_array, "Float64Array", false); }

  // An Int32Array or Float32Array of indices; check_index then checks n of them against a bound.
  Index index(size_t i, const char* name) const {
    Index r;
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, nullptr, nullptr) != napi_ok ||
        (type != napi_int32_array && type != napi_float32_array))
      type_error(std::string(name) + " must be an Int32Array or a Float32Array of integers");
    if (data == nullptr && len > 0) type_error(std::string(name) + " is detached");
    r.len = static_cast<int64_t>(len);
    if (type == napi_int32_array) r.i32 = static_cast<const int32_t*>(data);
    else r.f32 = static_cast<const float*>(data);
    return r;
  }

  // The first n entries of ix are integers in [0, bound): checked before any kernel reads them.
  // A fast pass flags a bad entry; the exact loop then names it (a float index beyond 2^24 that
  // the float pass could not vouch for is accepted there).
  void check_index(const Index& ix, int64_t n, int64_t bound, const char* name) const {
    if (ix.len < n)
      range_error(std::string(name) + " has " + std::to_string(ix.len) + " elements, needs " + std::to_string(n));
    int bad = 0;
    if (ix.i32) {
      if (bound > INT32_MAX) {
        for (int64_t k = 0; k < n; ++k) bad |= ix.i32[k] < 0;
      } else {
        const uint32_t b = static_cast<uint32_t>(bound);
        for (int64_t k = 0; k < n; ++k) bad |= static_cast<uint32_t>(ix.i32[k]) >= b;
      }
      if (!bad) return;
      for (int64_t k = 0; k < n; ++k)
        if (ix.i32[k] < 0 || ix.i32[k] >= bound) bad_index(name, k, ix.i32[k], bound);
      return;
    }
    int64_t k = 0;
#if defined(__SSE2__)
    // 4 at a time: in [0, min(bound, 2^31)) and equal to itself truncated to int32 (the
    // instruction gives INT32_MIN for what it cannot convert, NaN included: never equal)
    const __m128 lo = _mm_setzero_ps(), hi = _mm_set1_ps(bound < 2147483648LL ? static_cast<float>(bound) : 2147483648.0f);
    __m128 ok = _mm_castsi128_ps(_mm_set1_epi32(-1));
    for (; k + 4 <= n; k += 4) {
      const __m128 v = _mm_loadu_ps(ix.f32 + k);
      const __m128 back = _mm_cvtepi32_ps(_mm_cvttps_epi32(v));
      ok = _mm_and_ps(ok, _mm_and_ps(_mm_and_ps(_mm_cmpge_ps(v, lo), _mm_cmplt_ps(v, hi)), _mm_cmpeq_ps(back, v)));
    }
    bad = _mm_movemask_ps(ok) != 0xF;
#endif
    const double b = static_cast<double>(bound);
    for (; k < n && !bad; ++k) {
      const double v = ix.f32[k];
      bad = !(v >= 0 && v < b && static_cast<double>(static_cast<int64_t>(v)) == v);
    }
    if (!bad) return;
    for (k = 0; k < n; ++k) {
      const double v = ix.f32[k];  // in range first (NaN fails), so the cast is defined
      if (!(v >= 0 && v < b && static_cast<double>(static_cast<int64_t>(v)) == v)) bad_index(name, k, v, bound);
    }
  }

  double number(size_t i, const char* name) const {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) type_error(std::string(name) + " must be a number");
    return v;
  }
  double finite(size_t i, const char* name) const {
    double v = number(i, name);
    if (!std::isfinite(v)) range_error(std::string(name) + " must be finite, got " + fmt(v));
    return v;
  }
  // A size or index: an integer in [lo, 2^53).
  int64_t integer(size_t i, const char* name, int64_t lo) const {
    double v = number(i, name);
    // in range first, so the cast is defined; the cast back tests integrality without libm
    if (!(v >= static_cast<double>(lo) && v <= kMaxSafeInt &&
          static_cast<double>(static_cast<int64_t>(v)) == v))
      range_error(std::string(name) + " must be an integer >= " + std::to_string(lo) + ", got " + fmt(v));
    return static_cast<int64_t>(v);
  }
  int id(size_t i, const char* name, int count) const {
    double v = number(i, name);
    if (!(v >= 0 && v < count && static_cast<double>(static_cast<int>(v)) == v))
      range_error("unknown " + std::string(name) + " " + fmt(v) + " (expected 0.." + std::to_string(count - 1) + ")");
    return static_cast<int>(v);
  }
  bool boolean(size_t i, const char* name) const {
    bool b;
    if (napi_get_value_bool(env_, argv_[i], &b) != napi_ok) type_error(std::string(name) + " must be a boolean");
    return b;
  }

  // a * b with a 64-bit overflow check (sizes are < 2^53 each, the product may not be).
  int64_t mul(int64_t a, int64_t b, const char* what) const {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > static_cast<int64_t>(kMaxSafeInt))
      range_error(std::string(what) + " is too large");
    return r;
  }

  template <class T>
  void need(const View<T>& v, int64_t n, const char* name, const char* what) const {
    if (v.null) return;
    if (v.len < n)
      range_error(std::string(name) + " has " + std::to_string(v.len) + " elements, needs " + what +
                  " = " + std::to_string(n));
  }

  // Output `o` (its first no elements) must not overlap input `in` (first ni elements); with
  // same_ok, exactly the same start is allowed (elementwise kernels run in place).
  template <class A, class B>
  void no_overlap(const View<A>& o, int64_t no, const char* oname, const View<B>& in, int64_t ni,
                  const char* iname, bool same_ok = false) const {
    if (o.null || in.null || no <= 0 || ni <= 0) return;
    auto o0 = reinterpret_cast<uintptr_t>(o.data), i0 = reinterpret_cast<uintptr_t>(in.data);
    auto o1 = o0 + static_cast<uintptr_t>(no) * sizeof(A), i1 = i0 + static_cast<uintptr_t>(ni) * sizeof(B);
    if (o0 < i1 && i0 < o1) {
      if (same_ok && o0 == i0 && no == ni) return;
      range_error(std::string(oname) + " overlaps " + iname + (same_ok ? " (only exactly in place is allowed)" : " (outputs must not alias inputs)"));
    }
  }

 private:
  template <class T>
  View<T> arr(size_t i, const char* name, napi_typedarray_type want, const char* tname, bool nullable) const {
    View<T> v;
    napi_typedarray_type type;
    size_t len;
    void* data;
    if (napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, nullptr, nullptr) != napi_ok) {
      napi_valuetype t;
      if (nullable && napi_typeof(env_, argv_[i], &t) == napi_ok && t == napi_null) { v.null = true; return v; }
      type_error(std::string(name) + " must be a " + tname + (nullable ? " or null" : ""));
    }
    if (type != want) type_error(std::string(name) + " must be a " + tname + (nullable ? " or null" : ""));
    v.data = static_cast<T*>(data);
    v.len = static_cast<int64_t>(len);
    if (v.data == nullptr && v.len > 0) type_error(std::string(name) + " is detached");
    huge::Fresh(data, len * sizeof(T));  // memory placement only (hugepages.h): fine before the checks
    return v;
  }
  [[noreturn]] void bad_index(const char* name, int64_t k, double v, int64_t bound) const {
    range_error(std::string(name) + "[" + std::to_string(k) + "] = " + fmt(v) +
                (std::isfinite(v) && v == std::floor(v) ? " is out of range for a dim of size " + std::to_string(bound) : " is not an integer"));
  }
  static std::string fmt(double v) {
    char b[48];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
  }
  std::string prefix() const { return std::string(fn_) + ": "; }

  napi_env env_;
  const char* fn_;
  size_t argc_;
  napi_value argv_[kMaxArgs];
};

}  // namespace neurite_addon
