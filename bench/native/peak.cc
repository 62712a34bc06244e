// W7: FMA throughput of this CPU, AVX-512 (zmm) and AVX2 (ymm), 1 and 2 threads (pinned).
// Each thread runs independent FMA chains (more chains than latency x ports), so the figure is
// the FMA-port limit. Build and run with bench/native/build.sh peak.
// GCC 12 warns about the undefined pass-through inside its own reduce intrinsics.
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

constexpr long kIters = 200'000'000 / 16;

__attribute__((target("avx512f"), noinline)) float fma512(long iters) {
  __m512 acc[12];
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(float(i));
  for (long n = 0; n < iters; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"), noinline)) float fma256(long iters) {
  __m256 acc[12];
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i));
  for (long n = 0; n < iters; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// GFLOP/s of `threads` threads each running f, best of 5: by wall clock, and by each thread's
// CPU time summed (what the cores deliver while they run, even on a shared, loaded machine).
void measure(float (*f)(long), int lanes, int threads, double* wall, double* cpu) {
  *wall = *cpu = 0;
  const double flop = 2.0 * lanes * 12 * double(kIters);
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> ts;
    std::vector<float> sink(threads);
    std::vector<double> secs(threads);
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        pin(t % int(std::thread::hardware_concurrency()));
        const double c0 = cpu_seconds();
        sink[t] = f(kIters);
        secs[t] = cpu_seconds() - c0;
      });
    for (auto& th : ts) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double c = 0;
    for (double x : secs) c += flop / x * 1e-9;
    *wall = std::max(*wall, flop * threads / s * 1e-9);
    *cpu = std::max(*cpu, c);
  }
}

}  // namespace

int main() {
  __builtin_cpu_init();
  std::printf("# W7 FMA peak (GFLOP/s, best of 5, %ld FMA instructions per thread)\n", kIters * 12);
  for (int threads : {1, 2}) {
    double wall, cpu;
    if (__builtin_cpu_supports("avx512f")) {
      measure(fma512, 16, threads, &wall, &cpu);
      std::printf("avx512 zmm FMA  threads=%d  wall %7.1f GFLOP/s  cpu-time %7.1f GFLOP/s"
                  "  (= %.2f GHz x 64 flop/cycle/core)\n", threads, wall, cpu, cpu / 64 / threads);
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      measure(fma256, 8, threads, &wall, &cpu);
      std::printf("avx2   ymm FMA  threads=%d  wall %7.1f GFLOP/s  cpu-time %7.1f GFLOP/s"
                  "  (= %.2f GHz x 32 flop/cycle/core)\n", threads, wall, cpu, cpu / 32 / threads);
    }
  }
  return 0;
}
