// The Node-API surface of neurite: one raw function per Backend method (lib/backend/types.ts)
// plus info(). Every function checks its arguments (args.h) before calling a kernel. The
// functions are plain napi_callbacks (not Napi::Function) so a call with 14 arguments costs
// no heap allocation; node-addon-api builds the module object and the error values.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../kernels/activations.h"
#include "../kernels/cpu.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm.h"
#include "../kernels/indexing.h"
#include "../kernels/linear.h"
#include "../kernels/optim.h"
#include "../kernels/reduce.h"
#include "../kernels/simd_isa.h"
#include "args.h"

namespace neurite_addon {
namespace {

namespace nk = neurite;

// gemm(transA, transB, M, N, K, alpha, A, B, beta, C)
void Gemm(Args& a) {
  bool ta = a.boolean(0, "transA"), tb = a.boolean(1, "transB");
  int64_t M = a.integer(2, "M", 0), N = a.integer(3, "N", 0), K = a.integer(4, "K", 0);
  double alpha = a.finite(5, "alpha");
  F32 A = a.f32(6, "A"), B = a.f32(7, "B");
  double beta = a.finite(8, "beta");
  F32 C = a.f32(9, "C");
  int64_t nA = a.mul(M, K, "M*K"), nB = a.mul(K, N, "K*N"), nC = a.mul(M, N, "M*N");
  a.need(A, nA, "A", "M*K");
  a.need(B, nB, "B", "K*N");
  a.need(C, nC, "C", "M*N");
  a.no_overlap(C, nC, "C", A, nA, "A");
  a.no_overlap(C, nC, "C", B, nB, "B");
  nk::gemm(ta, tb, M, N, K, static_cast<float>(alpha), A.data, B.data, static_cast<float>(beta), C.data);
}

// A weight's identity for the packed-weight cache (gemm.h WeightKey): storage id (0: none) and
// the storage's version, integers in [0, 2^53).
nk::WeightKey weight_key(Args& a, double id, double version, const char* what) {
  auto whole = [&](double v, const char* name) {
    if (!(v >= 0 && v <= kMaxSafeInt && static_cast<double>(static_cast<int64_t>(v)) == v)) {
      char got[48];
      std::snprintf(got, sizeof got, "%.17g", v);
      a.range_error(std::string(what) + name + " must be an integer in [0, 2^53), got " + got);
    }
    return static_cast<uint64_t>(v);
  };
  return nk::WeightKey{whole(id, "id"), whole(version, "version")};
}

// linearForward(X, W, b, M, N, K, act, param, Y, pre[, transW[, wId, wVersion]]); transW: W
// stored K x N; wId, wVersion: W's identity for the packed-weight cache (wId 0: none)
void LinearForward(Args& a) {
  F32 X = a.f32(0, "X"), W = a.f32(1, "W"), b = a.f32_or_null(2, "b");
  int64_t M = a.integer(3, "M", 0), N = a.integer(4, "N", 0), K = a.integer(5, "K", 0);
  int act = a.id(6, "activation", nk::kActCount);
  float param = static_cast<float>(a.number(7, "param"));
  F32 Y = a.f32(8, "Y"), pre = a.f32_or_null(9, "pre");
  const bool trans_w = a.count() > 10 && a.boolean(10, "transW");
  if (a.count() == 12) a.type_error("wId and wVersion come together");
  nk::WeightKey wkey;
  if (a.count() > 12) wkey = weight_key(a, a.number(11, "wId"), a.number(12, "wVersion"), "w");
  int64_t nX = a.mul(M, K, "M*K"), nW = a.mul(N, K, "N*K"), nY = a.mul(M, N, "M*N");
  a.need(X, nX, "X", "M*K");
  a.need(W, nW, "W", "N*K");
  a.need(b, N, "b", "N");
  a.need(Y, nY, "Y", "M*N");
  a.need(pre, nY, "pre", "M*N");
  for (const auto& o : {std::make_pair(&Y, "Y"), std::make_pair(&pre, "pre")}) {
    a.no_overlap(*o.first, nY, o.second, X, nX, "X");
    a.no_overlap(*o.first, nY, o.second, W, nW, "W");
    a.no_overlap(*o.first, nY, o.second, b, N, "b");
  }
  a.no_overlap(pre, nY, "pre", Y, nY, "Y");
  nk::linear_forward(X.data, W.data, b.data, M, N, K, act, param, Y.data, pre.data, trans_w, &wkey);
}

// linearChain(X, M, spec, Y, S, W1, b1, ..., WL, bL); spec = [K0, N1, act1, param1, ...],
// optionally followed by [id1, version1, ..., idL, versionL] (packed-weight cache keys, id 0: none)
constexpr int kChainMaxLayers = 16;
constexpr size_t kChainFixedArgs = 5;
static_assert(kChainFixedArgs + 2 * kChainMaxLayers <= kMaxArgs, "Args holds every argument");

void LinearChain(Args& a) {
  const size_t argc = a.count();
  if ((argc - kChainFixedArgs) % 2 != 0) a.type_error("expected a weight and a bias (or null) per layer");
  const int L = static_cast<int>((argc - kChainFixedArgs) / 2);
  F32 X = a.f32(0, "X");
  int64_t M = a.integer(1, "M", 0);
  View<double> spec = a.f64(2, "spec");
  F32 Y = a.f32(3, "Y"), S = a.f32(4, "S");
  const bool keyed = spec.len == 1 + 5 * static_cast<int64_t>(L);
  if (spec.len != 1 + 3 * static_cast<int64_t>(L) && !keyed)
    a.range_error("spec has " + std::to_string(spec.len) + " numbers, needs 1 + 3 * layers = " +
                  std::to_string(1 + 3 * L) + " (or 1 + 5 * layers = " + std::to_string(1 + 5 * L) +
                  " with weight keys)");
  nk::WeightKey wkeys[kChainMaxLayers];
  int64_t dims[kChainMaxLayers + 1];
  int acts[kChainMaxLayers];
  float params[kChainMaxLayers];
  const float* W[kChainMaxLayers];
  const float* b[kChainMaxLayers];
  F32 Wv[kChainMaxLayers], bv[kChainMaxLayers];
  auto dim = [&](double v, const char* what) {
    if (!(v >= 1 && v <= kMaxSafeInt && static_cast<double>(static_cast<int64_t>(v)) == v))
      a.range_error(std::string("spec: ") + what + " must be an integer >= 1");
    return static_cast<int64_t>(v);
  };
  dims[0] = dim(spec.data[0], "K0");
  int64_t hidden = 0;
  for (int i = 0; i < L; ++i) {
    const double* q = spec.data + 1 + 3 * i;
    dims[i + 1] = dim(q[0], "N");
    if (!(q[1] >= 0 && q[1] < nk::kActCount && static_cast<double>(static_cast<int>(q[1])) == q[1]))
      a.range_error("spec: unknown activation");
    acts[i] = static_cast<int>(q[1]);
    if (!std::isfinite(q[2])) a.range_error("spec: activation parameter must be finite");
    params[i] = static_cast<float>(q[2]);
    if (i + 1 < L) hidden = std::max(hidden, dims[i + 1]);
    Wv[i] = a.f32(kChainFixedArgs + 2 * i, "W");
    bv[i] = a.f32_or_null(kChainFixedArgs + 2 * i + 1, "b");
    a.need(Wv[i], a.mul(dims[i + 1], dims[i], "N*K"), "W", "N*K");
    a.need(bv[i], dims[i + 1], "b", "N");
    W[i] = Wv[i].data;
    b[i] = bv[i].data;
    if (keyed) {
      const double* k = spec.data + 1 + 3 * L + 2 * i;
      wkeys[i] = weight_key(a, k[0], k[1], "spec: weight ");
    }
  }
  const int64_t nX = a.mul(M, dims[0], "M*K0"), nY = a.mul(M, dims[L], "M*N");
  const int64_t nS = a.mul(a.mul(M, hidden, "M*hidden"), L > 2 ? 2 : 1, "scratch");
  a.need(X, nX, "X", "M*K0");
  a.need(Y, nY, "Y", "M*N");
  a.need(S, nS, "S", "M*hidden*buffers");
  a.no_overlap(Y, nY, "Y", X, nX, "X");
  a.no_overlap(S, nS, "S", X, nX, "X");
  a.no_overlap(Y, nY, "Y", S, nS, "S");
  for (int i = 0; i < L; ++i) {
    const int64_t nW = dims[i + 1] * dims[i];
    a.no_overlap(Y, nY, "Y", Wv[i], nW, "W");
    a.no_overlap(Y, nY, "Y", bv[i], dims[i + 1], "b");
    a.no_overlap(S, nS, "S", Wv[i], nW, "W");
    a.no_overlap(S, nS, "S", bv[i], dims[i + 1], "b");
  }
  if (M == 0) return;
  nk::linear_chain(X.data, M, L, dims, acts, params, W, b, S.data, Y.data, keyed ? wkeys : nullptr);
}

// linearBackward(X, W, M, N, K, act, param, Z, Y, gY, gX, gW, gB, accumulate[, transW])
void LinearBackward(Args& a) {
  F32 X = a.f32(0, "X"), W = a.f32(1, "W");
  int64_t M = a.integer(2, "M", 0), N = a.integer(3, "N", 0), K = a.integer(4, "K", 0);
  int act = a.id(5, "activation", nk::kActCount);
  float param = static_cast<float>(a.number(6, "param"));
  F32 Z = a.f32_or_null(7, "Z"), Y = a.f32(8, "Y"), gY = a.f32(9, "gY");
  F32 gX = a.f32_or_null(10, "gX"), gW = a.f32_or_null(11, "gW"), gB = a.f32_or_null(12, "gB");
  bool accumulate = a.boolean(13, "accumulate");
  const bool trans_w = a.count() > 14 && a.boolean(14, "transW");
  int64_t nX = a.mul(M, K, "M*K"), nW = a.mul(N, K, "N*K"), nY = a.mul(M, N, "M*N");
  if (Z.null && nk::act_needs_pre(act, param)) a.type_error("Z (the pre-activation) is required for this activation");
  a.need(X, nX, "X", "M*K");
  a.need(W, nW, "W", "N*K");
  a.need(Z, nY, "Z", "M*N");
  a.need(Y, nY, "Y", "M*N");
  a.need(gY, nY, "gY", "M*N");
  a.need(gX, nX, "gX", "M*K");
  a.need(gW, nW, "gW", "N*K");
  a.need(gB, N, "gB", "N");
  struct Out { F32* v; int64_t n; const char* name; } outs[] = {{&gX, nX, "gX"}, {&gW, nW, "gW"}, {&gB, N, "gB"}};
  for (const Out& o : outs) {
    a.no_overlap(*o.v, o.n, o.name, X, nX, "X");
    a.no_overlap(*o.v, o.n, o.name, W, nW, "W");
    a.no_overlap(*o.v, o.n, o.name, Z, nY, "Z");
    a.no_overlap(*o.v, o.n, o.name, Y, nY, "Y");
    a.no_overlap(*o.v, o.n, o.name, gY, nY, "gY");
  }
  a.no_overlap(gX, nX, "gX", gW, nW, "gW");
  a.no_overlap(gX, nX, "gX", gB, N, "gB");
  a.no_overlap(gW, nW, "gW", gB, N, "gB");
  nk::linear_backward(X.data, W.data, M, N, K, act, param, Z.data, Y.data, gY.data, gX.data,
                      gW.data, gB.data, accumulate, trans_w);
}

// actForward(act, param, x, y, n)
void ActForward(Args& a) {
  int act = a.id(0, "activation", nk::kActCount);
  float param = static_cast<float>(a.number(1, "param"));
  F32 x = a.f32(2, "x"), y = a.f32(3, "y");
  int64_t n = a.integer(4, "n", 0);
  a.need(x, n, "x", "n");
  a.need(y, n, "y", "n");
  a.no_overlap(y, n, "y", x, n, "x", true);
  nk::act_forward(act, param, x.data, nullptr, nullptr, y.data, n);
}

// actBackward(act, param, z, y, gy, gx, n)
void ActBackward(Args& a) {
  int act = a.id(0, "activation", nk::kActCount);
  float param = static_cast<float>(a.number(1, "param"));
  F32 z = a.f32_or_null(2, "z"), y = a.f32(3, "y"), gy = a.f32(4, "gy"), gx = a.f32(5, "gx");
  int64_t n = a.integer(6, "n", 0);
  if (z.null && nk::act_needs_pre(act, param)) a.type_error("z (the pre-activation) is required for this activation");
  a.need(z, n, "z", "n");
  a.need(y, n, "y", "n");
  a.need(gy, n, "gy", "n");
  a.need(gx, n, "gx", "n");
  a.no_overlap(gx, n, "gx", z, n, "z");
  a.no_overlap(gx, n, "gx", y, n, "y");
  a.no_overlap(gx, n, "gx", gy, n, "gy", true);
  nk::act_backward(act, param, z.data, y.data, gy.data, gx.data, n);
}

// unary(op, x, y, n, p, q)
void Unary(Args& a) {
  int op = a.id(0, "unary op", nk::kUnaryCount);
  F32 x = a.f32(1, "x"), y = a.f32(2, "y");
  int64_t n = a.integer(3, "n", 0);
  double p = a.number(4, "p"), q = a.number(5, "q");
  a.need(x, n, "x", "n");
  a.need(y, n, "y", "n");
  a.no_overlap(y, n, "y", x, n, "x", true);
  nk::unary(op, x.data, y.data, n, p, q);
}

constexpr int kMaxRank = 32;

// binary(op, a, b, out, dims, rank): dims (Float64Array) = aShape ++ bShape ++ outShape.
void Binary(Args& a) {
  int op = a.id(0, "binary op", nk::kBinaryCount);
  F32 A = a.f32(1, "a"), B = a.f32(2, "b"), O = a.f32(3, "out");
  View<double> dims = a.f64(4, "dims");
  int64_t rank = a.integer(5, "rank", 1);
  if (rank > kMaxRank) a.range_error("rank " + std::to_string(rank) + " is above " + std::to_string(kMaxRank));
  a.need(dims, 3 * rank, "dims", "3*rank");
  int64_t sh[3][kMaxRank];
  int64_t n[3] = {1, 1, 1};
  static const char* names[3] = {"a", "b", "out"};
  for (int s = 0; s < 3; ++s)
    for (int64_t d = 0; d < rank; ++d) {
      double v = dims.data[s * rank + d];
      if (!(v >= 0 && v <= kMaxSafeInt && v == std::floor(v)))
        a.range_error(std::string(names[s]) + " shape has an invalid dimension");
      sh[s][d] = static_cast<int64_t>(v);
      n[s] = a.mul(n[s], sh[s][d], "shape size");
    }
  for (int64_t d = 0; d < rank; ++d)
    for (int s = 0; s < 2; ++s)
      if (sh[s][d] != sh[2][d] && sh[s][d] != 1)
        a.range_error(std::string("shapes do not broadcast: dim ") + std::to_string(d) + " of " + names[s] + " is " +
                      std::to_string(sh[s][d]) + ", out has " + std::to_string(sh[2][d]));
  a.need(A, n[0], "a", "its shape's size");
  a.need(B, n[1], "b", "its shape's size");
  a.need(O, n[2], "out", "its shape's size");
  a.no_overlap(O, n[2], "out", A, n[0], "a", n[0] == n[2]);
  a.no_overlap(O, n[2], "out", B, n[1], "b", n[1] == n[2]);
  nk::binary(op, A.data, sh[0], B.data, sh[1], O.data, sh[2], static_cast<int>(rank));
}

// axpy(n, alpha, x, out)
// stridedCopy(src, srcOffset, dst, dstOffset, dims, rank); dims = shape ++ srcStrides ++ dstStrides
void StridedCopy(Args& a) {
  F32 S = a.f32(0, "src");
  int64_t so = a.integer(1, "srcOffset", 0);
  F32 D = a.f32(2, "dst");
  int64_t dof = a.integer(3, "dstOffset", 0);
  View<double> dims = a.f64(4, "dims");
  int64_t rank = a.integer(5, "rank", 0);
  if (rank > kMaxRank) a.range_error("rank " + std::to_string(rank) + " is above " + std::to_string(kMaxRank));
  a.need(dims, 3 * rank, "dims", "3*rank");
  int64_t v[3][kMaxRank];
  static const char* names[3] = {"shape", "srcStrides", "dstStrides"};
  int64_t numel = 1;
  for (int s = 0; s < 3; ++s)
    for (int64_t d = 0; d < rank; ++d) {
      double x = dims.data[s * rank + d];
      if (!(x >= 0 && x <= kMaxSafeInt && x == std::floor(x)))
        a.range_error(std::string(names[s]) + " has an invalid entry (non-negative integers only)");
      v[s][d] = static_cast<int64_t>(x);
      if (s == 0) numel = a.mul(numel, v[0][d], "shape size");
    }
  if (numel == 0) return;
  // the last element each layout touches must lie inside its array
  int64_t reach[2] = {so, dof};
  for (int s = 1; s < 3; ++s)
    for (int64_t d = 0; d < rank; ++d) {
      int64_t step = a.mul(v[0][d] - 1, v[s][d], "stride reach");
      if (__builtin_add_overflow(reach[s - 1], step, &reach[s - 1]) || reach[s - 1] > static_cast<int64_t>(kMaxSafeInt))
        a.range_error("stride reach is too large");
    }
  if (reach[0] >= S.len)
    a.range_error("src layout reaches element " + std::to_string(reach[0]) + ", src has " + std::to_string(S.len));
  if (reach[1] >= D.len)
    a.range_error("dst layout reaches element " + std::to_string(reach[1]) + ", dst has " + std::to_string(D.len));
  // the spans [offset, reach] of both layouts must not share memory
  View<float> sspan{S.data + so, reach[0] - so + 1, false}, dspan{D.data + dof, reach[1] - dof + 1, false};
  a.no_overlap(dspan, dspan.len, "dst", sspan, sspan.len, "src");
  nk::strided_copy(static_cast<int>(rank), v[0], S.data + so, v[1], D.data + dof, v[2]);
}

// setMatmulPrecision(id): MatmulPrecision of gemm.h / types.ts, for this thread's products.
void SetMatmulPrecision(Args& a) {
  nk::set_matmul_precision(static_cast<nk::MatmulPrecision>(a.id(0, "precision", 3)));
}

// packCacheId(): a new storage id for the weight keys, unique in the process.
double PackCacheId(Args&) { return static_cast<double>(nk::pack_cache_new_id()); }
// packCacheDrop(): frees every packed weight of the bf16 products.
void PackCacheDrop(Args&) { nk::pack_cache_drop(); }
// packCacheLimit(bytes): the packed-weight cache's bound (0 disables it).
void PackCacheLimit(Args& a) { nk::pack_cache_set_limit(static_cast<uint64_t>(a.integer(0, "bytes", 0))); }
// packCacheStats(out): out (Float64Array of 5) = [entries, bytes, limit, hits, misses].
void PackCacheStats(Args& a) {
  View<double> out = a.f64(0, "out");
  a.need(out, 5, "out", "5");
  const nk::PackCacheStats s = nk::pack_cache_stats();
  const uint64_t v[5] = {s.entries, s.bytes, s.limit, s.hits, s.misses};
  for (int i = 0; i < 5; ++i) out.data[i] = static_cast<double>(v[i]);
}

void Axpy(Args& a) {
  int64_t n = a.integer(0, "n", 0);
  double alpha = a.number(1, "alpha");
  F32 x = a.f32(2, "x"), out = a.f32(3, "out");
  a.need(x, n, "x", "n");
  a.need(out, n, "out", "n");
  a.no_overlap(out, n, "out", x, n, "x", true);
  nk::axpy(n, alpha, x.data, out.data);
}

struct Axis { int64_t outer, d, inner, n, m; };  // n = outer*d*inner, m = outer*inner

Axis axis(Args& a, size_t i, int64_t min_d) {
  Axis x;
  x.outer = a.integer(i, "outer", 0);
  x.d = a.integer(i + 1, "d", min_d);
  x.inner = a.integer(i + 2, "inner", 0);
  x.m = a.mul(x.outer, x.inner, "outer*inner");
  x.n = a.mul(x.m, x.d, "outer*d*inner");
  return x;
}

// sumAxis(x, outer, d, inner, out)
void SumAxis(Args& a) {
  F32 x = a.f32(0, "x");
  Axis s = axis(a, 1, 0);
  F32 out = a.f32(4, "out");
  a.need(x, s.n, "x", "outer*d*inner");
  a.need(out, s.m, "out", "outer*inner");
  a.no_overlap(out, s.m, "out", x, s.n, "x");
  nk::sum_axis(x.data, s.outer, s.d, s.inner, out.data);
}

// maxAxis(x, outer, d, inner, outVal, outIdx)
void MaxAxis(Args& a) {
  F32 x = a.f32(0, "x");
  Axis s = axis(a, 1, 0);
  F32 val = a.f32(4, "outVal");
  I32 idx = a.i32(5, "outIdx");
  a.need(x, s.n, "x", "outer*d*inner");
  a.need(val, s.m, "outVal", "outer*inner");
  a.need(idx, s.m, "outIdx", "outer*inner");
  a.no_overlap(val, s.m, "outVal", x, s.n, "x");
  a.no_overlap(idx, s.m, "outIdx", x, s.n, "x");
  a.no_overlap(idx, s.m, "outIdx", val, s.m, "outVal");
  nk::max_axis(x.data, s.outer, s.d, s.inner, val.data, idx.data);
}

// softmax(x, outer, d, inner, y, log)
void Softmax(Args& a) {
  F32 x = a.f32(0, "x");
  Axis s = axis(a, 1, 0);
  F32 y = a.f32(4, "y");
  bool log = a.boolean(5, "log");
  a.need(x, s.n, "x", "outer*d*inner");
  a.need(y, s.n, "y", "outer*d*inner");
  a.no_overlap(y, s.n, "y", x, s.n, "x");
  nk::softmax(x.data, s.outer, s.d, s.inner, y.data, log);
}

// softmaxBackward(y, gy, outer, d, inner, gx, log)
void SoftmaxBackward(Args& a) {
  F32 y = a.f32(0, "y"), gy = a.f32(1, "gy");
  Axis s = axis(a, 2, 0);
  F32 gx = a.f32(5, "gx");
  bool log = a.boolean(6, "log");
  a.need(y, s.n, "y", "outer*d*inner");
  a.need(gy, s.n, "gy", "outer*d*inner");
  a.need(gx, s.n, "gx", "outer*d*inner");
  a.no_overlap(gx, s.n, "gx", y, s.n, "y");
  a.no_overlap(gx, s.n, "gx", gy, s.n, "gy");
  nk::softmax_backward(y.data, gy.data, s.outer, s.d, s.inner, gx.data, log);
}

// Every class index in [0, C), or the ignored index when one is given.
void check_classes(Args& a, const I32& target, int64_t N, int64_t C, const int64_t* ignore) {
  for (int64_t r = 0; r < N; ++r) {
    int32_t t = target.data[r];
    if ((t < 0 || t >= C) && !(ignore && t == *ignore))
      a.range_error("target[" + std::to_string(r) + "] = " + std::to_string(t) + " is not a class in [0, " + std::to_string(C) + ")");
  }
}

// crossEntropy(logits, N, C, target, grad) -> number
double CrossEntropy(Args& a) {
  F32 logits = a.f32(0, "logits");
  int64_t N = a.integer(1, "N", 1), C = a.integer(2, "C", 1);
  I32 target = a.i32(3, "target");
  F32 grad = a.f32_or_null(4, "grad");
  int64_t n = a.mul(N, C, "N*C");
  a.need(logits, n, "logits", "N*C");
  a.need(target, N, "target", "N");
  a.need(grad, n, "grad", "N*C");
  a.no_overlap(grad, n, "grad", logits, n, "logits");
  a.no_overlap(grad, n, "grad", target, N, "target");
  check_classes(a, target, N, C, nullptr);
  return nk::cross_entropy(logits.data, N, C, target.data, grad.data);
}

// crossEntropyEx(logits, N, C, target, probs, weight, ignoreIndex, labelSmoothing, reduction, out, grad)
// -> number. Exactly one of target (Int32Array) and probs (Float32Array [N*C]) is non-null.
double CrossEntropyEx(Args& a) {
  F32 logits = a.f32(0, "logits");
  int64_t N = a.integer(1, "N", 0), C = a.integer(2, "C", 1);
  I32 target = a.i32_or_null(3, "target");
  F32 probs = a.f32_or_null(4, "probs"), weight = a.f32_or_null(5, "weight");
  int64_t ignore = a.integer(6, "ignoreIndex", INT32_MIN);
  double eps = a.finite(7, "labelSmoothing");
  int reduction = a.id(8, "reduction", 3);
  F32 out = a.f32_or_null(9, "out"), grad = a.f32_or_null(10, "grad");
  if (target.null == probs.null) a.type_error("exactly one of target and probs must be given (the other null)");
  if (!(eps >= 0 && eps <= 1)) a.range_error("labelSmoothing must be in [0, 1]");
  int64_t n = a.mul(N, C, "N*C");
  // every float array long enough; neither output overlaps an input or the other output
  struct Arr { const F32& v; int64_t len; const char* name; const char* what; };
  const Arr ins[] = {{logits, n, "logits", "N*C"}, {probs, n, "probs", "N*C"}, {weight, C, "weight", "C"}};
  for (const Arr& x : ins) a.need(x.v, x.len, x.name, x.what);
  a.need(target, N, "target", "N");
  a.need(out, N, "out", "N");
  a.need(grad, n, "grad", "N*C");
  for (const Arr& x : ins) {
    a.no_overlap(grad, n, "grad", x.v, x.len, x.name);
    a.no_overlap(out, N, "out", x.v, x.len, x.name);
  }
  a.no_overlap(grad, n, "grad", target, N, "target");
  a.no_overlap(out, N, "out", target, N, "target");
  a.no_overlap(grad, n, "grad", out, N, "out");
  if (!target.null) check_classes(a, target, N, C, &ignore);
  return nk::cross_entropy_ex(logits.data, N, C, target.null ? nullptr : target.data,
                              probs.null ? nullptr : probs.data, weight.null ? nullptr : weight.data,
                              ignore, eps, reduction, out.null ? nullptr : out.data,
                              grad.null ? nullptr : grad.data);
}

// sgdStep(p, g, buf, n, lr, momentum, dampening, weightDecay, nesterov, first, maximize)
void SgdStep(Args& a) {
  F32 p = a.f32(0, "p"), g = a.f32(1, "g"), buf = a.f32_or_null(2, "buf");
  int64_t n = a.integer(3, "n", 0);
  double lr = a.number(4, "lr"), momentum = a.number(5, "momentum");
  double dampening = a.number(6, "dampening"), wd = a.number(7, "weightDecay");
  bool nesterov = a.boolean(8, "nesterov"), first = a.boolean(9, "first");
  bool maximize = a.boolean(10, "maximize");
  a.need(p, n, "p", "n");
  a.need(g, n, "g", "n");
  if (momentum != 0 && buf.null) a.type_error("buf is required when momentum != 0");
  a.need(buf, n, "buf", "n");
  a.no_overlap(p, n, "p", g, n, "g");
  a.no_overlap(p, n, "p", buf, n, "buf");
  a.no_overlap(buf, n, "buf", g, n, "g");
  nk::sgd_step(p.data, g.data, buf.data, n, lr, momentum, dampening, wd, nesterov, first, maximize);
}

// adamStep(p, g, m, v, vmax, n, lr, beta1, beta2, eps, weightDecay, step, decoupled, maximize); vmax null: no amsgrad
void AdamStep(Args& a) {
  F32 p = a.f32(0, "p"), g = a.f32(1, "g"), m = a.f32(2, "m"), v = a.f32(3, "v"), vmax = a.f32_or_null(4, "vmax");
  int64_t n = a.integer(5, "n", 0);
  double lr = a.number(6, "lr"), b1 = a.number(7, "beta1"), b2 = a.number(8, "beta2");
  double eps = a.number(9, "eps"), wd = a.number(10, "weightDecay");
  double step = static_cast<double>(a.integer(11, "step", 1));
  bool decoupled = a.boolean(12, "decoupled"), maximize = a.boolean(13, "maximize");
  a.need(p, n, "p", "n");
  a.need(g, n, "g", "n");
  a.need(m, n, "m", "n");
  a.need(v, n, "v", "n");
  a.need(vmax, n, "vmax", "n");
  a.no_overlap(p, n, "p", g, n, "g");
  a.no_overlap(p, n, "p", m, n, "m");
  a.no_overlap(p, n, "p", v, n, "v");
  a.no_overlap(m, n, "m", g, n, "g");
  a.no_overlap(m, n, "m", v, n, "v");
  a.no_overlap(v, n, "v", g, n, "g");
  a.no_overlap(vmax, n, "vmax", p, n, "p");
  a.no_overlap(vmax, n, "vmax", g, n, "g");
  a.no_overlap(vmax, n, "vmax", m, n, "m");
  a.no_overlap(vmax, n, "vmax", v, n, "v");
  nk::adam_step(p.data, g.data, m.data, v.data, vmax.data, n, lr, b1, b2, eps, wd, step, decoupled, maximize);
}

// rmspropStep(p, g, sq, gavg, buf, n, lr, alpha, eps, weightDecay, momentum, maximize); gavg null: not
// centered; buf null: no momentum (required when momentum > 0)
void RmspropStep(Args& a) {
  F32 p = a.f32(0, "p"), g = a.f32(1, "g"), sq = a.f32(2, "sq");
  F32 gavg = a.f32_or_null(3, "gavg"), buf = a.f32_or_null(4, "buf");
  int64_t n = a.integer(5, "n", 0);
  double lr = a.number(6, "lr"), alpha = a.number(7, "alpha"), eps = a.number(8, "eps");
  double wd = a.number(9, "weightDecay"), momentum = a.number(10, "momentum");
  bool maximize = a.boolean(11, "maximize");
  if (momentum > 0 && buf.null) a.type_error("buf is required when momentum > 0");
  a.need(p, n, "p", "n");
  a.need(g, n, "g", "n");
  a.need(sq, n, "sq", "n");
  a.need(gavg, n, "gavg", "n");
  a.need(buf, n, "buf", "n");
  const F32* all[] = {&p, &g, &sq, &gavg, &buf};
  const char* names[] = {"p", "g", "sq", "gavg", "buf"};
  for (int i = 0; i < 5; ++i)
    for (int j = i + 1; j < 5; ++j) a.no_overlap(*all[i], n, names[i], *all[j], n, names[j]);
  nk::rmsprop_step(p.data, g.data, sq.data, gavg.data, buf.data, n, lr, alpha, eps, wd, momentum, maximize);
}

// adagradStep(p, g, sum, n, clr, weightDecay, eps, maximize)
void AdagradStep(Args& a) {
  F32 p = a.f32(0, "p"), g = a.f32(1, "g"), sum = a.f32(2, "sum");
  int64_t n = a.integer(3, "n", 0);
  double clr = a.number(4, "clr"), wd = a.number(5, "weightDecay"), eps = a.number(6, "eps");
  bool maximize = a.boolean(7, "maximize");
  a.need(p, n, "p", "n");
  a.need(g, n, "g", "n");
  a.need(sum, n, "sum", "n");
  a.no_overlap(p, n, "p", g, n, "g");
  a.no_overlap(p, n, "p", sum, n, "sum");
  a.no_overlap(sum, n, "sum", g, n, "g");
  nk::adagrad_step(p.data, g.data, sum.data, n, clr, wd, eps, maximize);
}

// The index kernels (indexing.h) over [outer, d, inner] (the indexed axis of size d) and an
// index of m entries along it (index_select / index_add: m rows; gather / scatter: an
// [outer, m, inner] block). Every length, the index entries (in [0, d)) and overlaps of the
// output with each input are checked first.
struct IndexDims { int64_t outer, d, inner, m, full, block; };  // full = outer*d*inner, block = outer*m*inner

IndexDims index_dims(Args& a, size_t i) {
  IndexDims x;
  x.outer = a.integer(i, "outer", 0);
  x.d = a.integer(i + 1, "d", 0);
  x.inner = a.integer(i + 2, "inner", 0);
  x.m = a.integer(i + 4, "m", 0);
  const int64_t oi = a.mul(x.outer, x.inner, "outer*inner");
  x.full = a.mul(oi, x.d, "outer*d*inner");
  x.block = a.mul(oi, x.m, "outer*m*inner");
  return x;
}

template <class F>
void with_index(const Index& ix, F&& f) {
  if (ix.i32) f(ix.i32); else f(ix.f32);
}

// The checks every index entry shares: both arrays' lengths, the index entries, and the output
// overlapping neither the float input nor the index.
void check_index_call(Args& a, const F32& in, int64_t nin, const char* in_what, const Index& idx, int64_t nidx,
                      int64_t d, const F32& out, int64_t nout, const char* out_what) {
  a.need(in, nin, "src", in_what);
  a.need(out, nout, "out", out_what);
  a.check_index(idx, nidx, d, "idx");
  a.no_overlap(out, nout, "out", in, nin, "src");
  a.no_overlap(out, nout, "out", idx.span(nidx), nidx * 4, "idx");
}

enum class IndexKernel { kSelect, kAdd, kGather };

// indexSelect(src, outer, d, inner, idx, m, out): out[o, j, :] = src[o, idx[j], :]
// indexAdd(src, outer, d, inner, idx, m, out):    out[o, idx[j], :] += src[o, j, :]
// gather(src, outer, d, inner, idx, m, out):      out[o, j, i] = src[o, idx[o, j, i], i]
template <IndexKernel K>
void IndexRows(Args& a) {
  F32 src = a.f32(0, "src");
  IndexDims s = index_dims(a, 1);
  Index idx = a.index(4, "idx");
  F32 out = a.f32(6, "out");
  const bool add = K == IndexKernel::kAdd;
  check_index_call(a, src, add ? s.block : s.full, add ? "outer*m*inner" : "outer*d*inner", idx,
                   K == IndexKernel::kGather ? s.block : s.m, s.d, out, add ? s.full : s.block,
                   add ? "outer*d*inner" : "outer*m*inner");
  if (s.block == 0) return;
  with_index(idx, [&](auto* p) {
    if constexpr (K == IndexKernel::kSelect) nk::index_select(src.data, s.outer, s.d, s.inner, p, s.m, out.data);
    else if constexpr (K == IndexKernel::kAdd) nk::index_add(src.data, s.outer, s.d, s.inner, p, s.m, out.data);
    else nk::gather(src.data, s.outer, s.d, s.inner, p, s.m, out.data);
  });
}

// scatter(src, value, outer, d, inner, idx, m, out, add): out[o, idx[o, j, i], i] = (+=) src[o, j, i]
// (value when src is null)
void Scatter(Args& a) {
  F32 src = a.f32_or_null(0, "src");
  const float value = static_cast<float>(a.number(1, "value"));
  IndexDims s = index_dims(a, 2);
  Index idx = a.index(5, "idx");
  F32 out = a.f32(7, "out");
  const bool add = a.boolean(8, "add");
  check_index_call(a, src, s.block, "outer*m*inner", idx, s.block, s.d, out, s.full, "outer*d*inner");
  if (s.block == 0) return;
  with_index(idx, [&](auto* p) { nk::scatter(src.null ? nullptr : src.data, value, s.outer, s.d, s.inner, p, s.m, out.data, add); });
}

void throw_js(napi_env env, bool range, const char* msg) {
  if (range) Napi::RangeError::New(env, msg).ThrowAsJavaScriptException();
  else Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
}

// C++ exceptions end here: argument errors become TypeError/RangeError, anything else
// (e.g. std::bad_alloc) an Error naming the function. Nothing escapes into Node.
template <class F>
napi_value guarded(napi_env env, const char* fn, F&& f) {
  try {
    return f();
  } catch (const ArgError& e) {
    throw_js(env, e.range, e.msg.c_str());
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, std::string(fn) + ": " + e.what()).ThrowAsJavaScriptException();
  } catch (...) {
    Napi::Error::New(env, std::string(fn) + ": unknown native error").ThrowAsJavaScriptException();
  }
  return nullptr;
}

template <void (*F)(Args&), size_t kArgc, size_t kMost = kArgc>
napi_value Entry(napi_env env, napi_callback_info info, const char* fn) {
  return guarded(env, fn, [&]() -> napi_value {
    Args a(env, info, fn, kArgc, kMost);
    F(a);
    return nullptr;  // undefined
  });
}

// An entry returning one number.
template <double (*F)(Args&), size_t kArgc>
napi_value NumberEntry(napi_env env, napi_callback_info info, const char* fn) {
  return guarded(env, fn, [&]() -> napi_value {
    Args a(env, info, fn, kArgc);
    napi_value r;
    napi_create_double(env, F(a), &r);
    return r;
  });
}

#define NEURITE_ENTRY(NAME, FN, ARGC) \
  {NAME, [](napi_env e, napi_callback_info i) { return Entry<FN, ARGC>(e, i, NAME); }}

struct Raw { const char* name; napi_callback cb; };
const Raw kRaw[] = {
    NEURITE_ENTRY("gemm", Gemm, 10),
    {"linearForward", [](napi_env e, napi_callback_info i) {
       return Entry<LinearForward, 10, 13>(e, i, "linearForward");
     }},
    {"linearBackward", [](napi_env e, napi_callback_info i) {
       return Entry<LinearBackward, 14, 15>(e, i, "linearBackward");
     }},
    {"linearChain", [](napi_env e, napi_callback_info i) {
       return Entry<LinearChain, kChainFixedArgs + 2, kChainFixedArgs + 2 * kChainMaxLayers>(e, i, "linearChain");
     }},
    NEURITE_ENTRY("actForward", ActForward, 5),
    NEURITE_ENTRY("actBackward", ActBackward, 7),
    NEURITE_ENTRY("unary", Unary, 6),
    NEURITE_ENTRY("binary", Binary, 6),
    NEURITE_ENTRY("stridedCopy", StridedCopy, 6),
    NEURITE_ENTRY("axpy", Axpy, 4),
    NEURITE_ENTRY("setMatmulPrecision", SetMatmulPrecision, 1),
    {"packCacheId", [](napi_env e, napi_callback_info i) { return NumberEntry<PackCacheId, 0>(e, i, "packCacheId"); }},
    NEURITE_ENTRY("packCacheDrop", PackCacheDrop, 0),
    NEURITE_ENTRY("packCacheLimit", PackCacheLimit, 1),
    NEURITE_ENTRY("packCacheStats", PackCacheStats, 1),
    NEURITE_ENTRY("sumAxis", SumAxis, 5),
    NEURITE_ENTRY("maxAxis", MaxAxis, 6),
    NEURITE_ENTRY("softmax", Softmax, 6),
    NEURITE_ENTRY("softmaxBackward", SoftmaxBackward, 7),
    {"crossEntropy", [](napi_env e, napi_callback_info i) { return NumberEntry<CrossEntropy, 5>(e, i, "crossEntropy"); }},
    {"crossEntropyEx", [](napi_env e, napi_callback_info i) { return NumberEntry<CrossEntropyEx, 11>(e, i, "crossEntropyEx"); }},
    NEURITE_ENTRY("sgdStep", SgdStep, 11),
    NEURITE_ENTRY("adamStep", AdamStep, 14),
    NEURITE_ENTRY("rmspropStep", RmspropStep, 12),
    NEURITE_ENTRY("adagradStep", AdagradStep, 8),
    NEURITE_ENTRY("indexSelect", IndexRows<IndexKernel::kSelect>, 7),
    NEURITE_ENTRY("indexAdd", IndexRows<IndexKernel::kAdd>, 7),
    NEURITE_ENTRY("gather", IndexRows<IndexKernel::kGather>, 7),
    NEURITE_ENTRY("scatter", Scatter, 9),
};

#ifndef NEURITE_VERSION
#define NEURITE_VERSION "0.1.0"
#endif

// Fresh outputs of large kernels (lib/ops/util.ts outputArray: Buffer.allocUnsafeSlow, i.e.
// malloc) should land in memory the process already has. glibc serves blocks >= its mmap
// threshold with mmap and munmaps them on free; its dynamic threshold rises after one such
// free (to at most 32 MB, trim threshold twice that), but V8 frees array buffers in batches at
// GC time, so the top of the heap passes the trim threshold and goes back to the OS, and the
// next outputs fault their pages in again: a fresh 4 MB result cost ~1,000 page faults and
// ~1.6 ms on a 13 ms 1024^3 product (bench/RESULTS.md, "Fresh outputs"). PyTorch gets its
// blocks back because it frees each one at once. So, once per process, on glibc: mmap only
// from 32 MB (glibc's own ceiling for its dynamic threshold) and trim only above 128 MB of
// free top-of-heap. The memory the heap still has to grow by (a process's first second, a
// larger model) gets transparent huge pages where the kernel offers them by madvise
// (hugepages.h; NEURITE_MALLOC=no-thp keeps the thresholds without them). Left alone when the
// user set glibc's malloc tunables, or NEURITE_MALLOC=default. The status string is
// info().malloc: "tuned, huge pages (THP <mode>)", "tuned, no huge pages (why)" or
// "default (why)".
const char* MallocTuning() {
  static std::once_flag once;
  static std::string status = "default";
  std::call_once(once, [] {
    const char* opt = std::getenv("NEURITE_MALLOC");
    if (opt != nullptr && std::strcmp(opt, "default") == 0) {
      status = "default (NEURITE_MALLOC=default)";
      return;
    }
#if defined(__GLIBC__)
    const char* tun = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr ||
        std::getenv("MALLOC_TOP_PAD_") != nullptr || std::getenv("MALLOC_MMAP_MAX_") != nullptr ||
        (tun != nullptr && std::strstr(tun, "glibc.malloc.") != nullptr)) {
      status = "default (glibc malloc tunables set by the environment)";
      return;
    }
    // mallopt returns 0 when refused (e.g. under ASan, whose allocator ignores it)
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 128 << 20) != 1) {
      status = "default (mallopt refused)";
      return;
    }
    if (opt != nullptr && std::strcmp(opt, "no-thp") == 0) {
      status = "tuned, no huge pages (NEURITE_MALLOC=no-thp)";
      return;
    }
    const char* why = huge::Enable();
    status = why == nullptr ? std::string("tuned, huge pages (THP ") + huge::Mode() + ")"
                            : std::string("tuned, no huge pages (") + why + ")";
#else
    status = "default (not glibc)";
#endif
  });
  return status.c_str();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", NEURITE_VERSION);
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  o.Set("isa", nk::simd_isa_name());     // elementwise / activation kernels
  o.Set("gemmIsa", nk::sgemm_isa());     // GEMM microkernels
  o.Set("bf16Isa", nk::bf16_gemm_isa());  // matmul precision 'medium' / 'high'
  o.Set("bf16High", nk::bf16_high_mode());  // what 'high' runs: "bf16x3" | "fp32"
  o.Set("isaLevel", nk::isa_level_name(nk::isa_level()));
  o.Set("isaForced", nk::isa_forced());
  o.Set("isaDetected", nk::isa_level_name(nk::isa_detected()));  // the best the machine runs
  o.Set("amxPermission", nk::amx_permission());
  o.Set("cpuModel", nk::cpu_features().brand);
  {
    const nk::CpuCaches& c = nk::cpu_caches();
    Napi::Object caches = Napi::Object::New(env);
    caches.Set("l1d", Napi::Number::New(env, double(c.l1d)));
    caches.Set("l2", Napi::Number::New(env, double(c.l2)));
    caches.Set("l3", Napi::Number::New(env, double(c.l3)));
    caches.Set("l3SharedBy", Napi::Number::New(env, c.l3_shared));
    caches.Set("l3SharedBySource", c.l3_shared_source);
    caches.Set("source", c.source);
    o.Set("caches", caches);
    const nk::GemmBlocking& b = nk::sgemm_blocking();
    Napi::Object bl = Napi::Object::New(env);
    bl.Set("mr", Napi::Number::New(env, b.mr));
    bl.Set("nr", Napi::Number::New(env, b.nr));
    bl.Set("mc", Napi::Number::New(env, double(b.mc)));
    bl.Set("kc", Napi::Number::New(env, double(b.kc)));
    bl.Set("nc", Napi::Number::New(env, double(b.nc)));
    bl.Set("order", b.b_in_l1 ? "B micro-panel in L1" : "A micro-panel in L1");
    bl.Set("source", b.source);
    o.Set("gemmBlocking", bl);
  }
  o.Set("threads", Napi::Number::New(env, nk::sgemm_threads()));
  o.Set("malloc", MallocTuning());
  o.Set("hugePageAdvises", Napi::Number::New(env, double(huge::Advises())));  // madvise calls so far
#if defined(__SANITIZE_ADDRESS__)
  o.Set("sanitized", true);
#else
  o.Set("sanitized", false);
#endif
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // NEURITE_ISA naming an ISA this machine cannot run: refuse to load rather than test another.
  if (const char* err = nk::isa_override_error()) {
    Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return exports;
  }
  // NEURITE_GEMM_BLOCKING that does not parse: refuse too, so an experiment never runs the default.
  if (const char* err = nk::sgemm_blocking_error()) {
    Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return exports;
  }
  MallocTuning();
  for (const Raw& r : kRaw) {
    napi_value fn;
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, r.name, NAPI_AUTO_LENGTH, r.cb, nullptr, &fn), exports);
    exports.Set(r.name, Napi::Value(env, fn));
  }
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace
}  // namespace neurite_addon

// Node-API modules are context-aware: each Node environment (main thread, every worker
// thread) runs Init and gets its own exports; no state is shared except the kernels' pools.
static Napi::Object InitNeurite(Napi::Env env, Napi::Object exports) {
  return neurite_addon::Init(env, exports);
}
NODE_API_MODULE(neurite, InitNeurite)
