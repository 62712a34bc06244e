// One shape, neurite only: best GFLOP/s of 7 blocks of >= 50 ms (wall clock). The quickest
// check of a kernel change; sgemm_bench is the side-by-side comparison.
// Usage: sgemm_one ISA M N K [trans_a trans_b]   (NT=<threads>, default 1; CPUTIME=1 with NT=1:
// time by the thread's CPU time, which other processes on a shared machine cannot inflate)
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../../native/kernels/gemm.h"

int main(int argc, char** argv) {
  if (argc < 5 || !neurite::sgemm_force_isa(argv[1])) {
    std::fprintf(stderr, "usage: sgemm_one avx512|avx2|portable M N K [ta tb] (ISA must run here)\n");
    return 2;
  }
  const int nt = std::getenv("NT") ? std::atoi(std::getenv("NT")) : 1;
  const long M = std::atol(argv[2]), N = std::atol(argv[3]), K = std::atol(argv[4]);
  const int ta = argc > 5 ? std::atoi(argv[5]) : 0, tb = argc > 6 ? std::atoi(argv[6]) : 0;
  std::vector<float> A(M * K, 0.5f), B(K * N, 0.25f), C(M * N);
  const bool cpu = nt == 1 && std::getenv("CPUTIME") && std::atoi(std::getenv("CPUTIME")) == 1;
  auto now = [cpu] {
    if (cpu) {
      timespec ts;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return ts.tv_sec + ts.tv_nsec * 1e-9;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  double best = 0;
  for (int r = 0; r < 7; ++r) {
    int it = 0;
    const double t0 = now();
    double t;
    do {
      neurite::sgemm(ta, tb, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.0f,
                     C.data(), N, nullptr, nt);
      ++it;
      t = now() - t0;
    } while (t < 0.05);
    const double g = 2.0 * M * N * K * it / t * 1e-9;
    if (g > best) best = g;
  }
  std::printf("%s %ldx%ldx%ld ta=%d tb=%d threads=%d: %.1f GFLOP/s\n", argv[1], M, N, K, ta, tb,
              nt, best);
  return 0;
}
