// bf16 GEMM benchmark: neurite's sgemm at matmul precision 'medium' / 'high' (fp32 inputs and
// output: the conversion to bf16 and the packing are inside the timing) next to 'highest'.
//   bf16_bench M N K [threads] [reps]    (NEURITE_ISA picks the kernel, as in the addon)
// Prints the median GFLOP/s (wall) of each precision, interleaved rep by rep.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "cpu.h"
#include "gemm.h"

int main(int argc, char** argv) {
  if (argc < 4) { std::fprintf(stderr, "usage: bf16_bench M N K [threads] [reps] [ta tb]\n"); return 2; }
  const int64_t M = std::atoll(argv[1]), N = std::atoll(argv[2]), K = std::atoll(argv[3]);
  const int threads = argc > 4 ? std::atoi(argv[4]) : 1, reps = argc > 5 ? std::atoi(argv[5]) : 15;
  const bool ta = argc > 6 && argv[6][0] == '1', tb = argc > 7 && argv[7][0] == '1';
  std::vector<float> A(M * K), B(K * N), C(M * N);
  std::mt19937 r(1);
  std::normal_distribution<float> d;
  for (float& x : A) x = d(r);
  for (float& x : B) x = d(r);
  using neurite::MatmulPrecision;
  const MatmulPrecision ps[3] = {MatmulPrecision::kHighest, MatmulPrecision::kMedium, MatmulPrecision::kHigh};
  const char* names[3] = {"highest", "medium", "high"};
  std::vector<double> t[3];
  auto run = [&](MatmulPrecision p) {
    neurite::set_matmul_precision(p);
    auto t0 = std::chrono::steady_clock::now();
    neurite::sgemm(ta, tb, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.0f, C.data(), N,
                   nullptr, threads);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int q = 0; q < 3; ++q) run(ps[q]);  // warm-up
  for (int i = 0; i < reps; ++i)
    for (int q = 0; q < 3; ++q) t[q].push_back(run(ps[q]));
  std::printf("cpu: %s; fp32 %s, bf16 %s; %lldx%lldx%lld ta=%d tb=%d threads=%d reps=%d\n",
              neurite::cpu_features().brand, neurite::sgemm_isa(), neurite::bf16_gemm_isa(),
              (long long)M, (long long)N, (long long)K, ta, tb, threads, reps);
  double med[3];
  for (int q = 0; q < 3; ++q) {
    std::sort(t[q].begin(), t[q].end());
    med[q] = t[q][t[q].size() / 2];
    std::printf("  %-8s %8.1f GFLOP/s (median %.3f ms, best %.1f GFLOP/s)\n", names[q],
                2.0 * M * N * K / med[q] * 1e-9, med[q] * 1e3, 2.0 * M * N * K / t[q][0] * 1e-9);
  }
  std::printf("  medium/highest %.2fx, high/highest %.2fx\n", med[0] / med[1], med[0] / med[2]);
  return 0;
}
