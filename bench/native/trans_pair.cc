// Transposed vs untransposed operands of one product, paired: calls alternate (TN, NN), (NN,
// TN), ... on the calling thread, so both sides see the same load; the median of the per-pair
// speed ratios is the figure (issue 11: transposed shapes >= 0.9x of the same shape
// untransposed). Same for NT (B transposed).
// Usage: trans_pair ISA [M N K]   (default 784 128 512; ISA avx512 | avx2 | portable)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "../../native/kernels/gemm.h"

int main(int argc, char** argv) {
  if (argc < 2 || !neurite::sgemm_force_isa(argv[1])) {
    std::fprintf(stderr, "usage: trans_pair avx512|avx2|portable [M N K] (ISA must run here)\n");
    return 2;
  }
  const long M = argc > 4 ? std::atol(argv[2]) : 784, N = argc > 4 ? std::atol(argv[3]) : 128,
             K = argc > 4 ? std::atol(argv[4]) : 512;
  std::mt19937 g(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> A(M * K), At(M * K), B(K * N), Bt(K * N), C(M * N);
  for (auto* v : {&A, &At, &B, &Bt}) for (float& x : *v) x = u(g);
  auto time = [&](bool ta, bool tb) {
    const auto t0 = std::chrono::steady_clock::now();
    neurite::sgemm(ta, tb, M, N, K, 1.0f, ta ? At.data() : A.data(), ta ? M : K,
                   tb ? Bt.data() : B.data(), tb ? K : N, 0.0f, C.data(), N, nullptr, 1);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int t = 0; t < 2; ++t) {
    const bool ta = t == 0, tb = t == 1;
    std::vector<double> r;
    double best_t = 1e9, best_u = 1e9;
    for (int i = 0; i < 20; ++i) time(ta, tb), time(false, false);
    for (int i = 0; i < 400; ++i) {
      double tt, tu;
      if (i & 1) tt = time(ta, tb), tu = time(false, false);
      else tu = time(false, false), tt = time(ta, tb);
      r.push_back(tu / tt);
      best_t = std::min(best_t, tt);
      best_u = std::min(best_u, tu);
    }
    std::sort(r.begin(), r.end());
    const double gf = 2e-9 * M * N * K;
    std::printf("%s %ldx%ldx%ld %s speed / NN speed: paired median %.3f (400 pairs), fastest %.3f "
                "(%.1f vs %.1f GFLOP/s)\n", argv[1], M, N, K, ta ? "TN" : "NT", r[r.size() / 2],
                best_u / best_t, gf / best_t, gf / best_u);
  }
  return 0;
}
