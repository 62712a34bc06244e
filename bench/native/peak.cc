// W7: FMA throughput of this CPU, AVX-512 (zmm) and AVX2 (ymm), 1 and 2 threads (pinned), and
// where the CPU has AVX512-BF16 the vdpbf16ps rate against vfmadd231ps, interleaved block by
// block on one thread. Each thread runs independent chains (more chains than latency x ports),
// so the figure is the port limit. Build and run with bench/native/build.sh peak.
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

// 16 independent vdpbf16ps chains (each 32 bf16 products summed into 16 fp32 lanes: 64 flop).
__attribute__((target("avx512f,avx512bf16"), noinline)) float dpbf16(long iters) {
  __m512 acc[16];
  const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3F803F80), y = (__m512bh)_mm512_set1_epi32(0x33003300);
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(float(i));
  for (long n = 0; n < iters; ++n)
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}
// The same with 16 vfmadd231ps chains (32 flop each), for the interleaved ratio.
__attribute__((target("avx512f"), noinline)) float fma512x16(long iters) {
  __m512 acc[16];
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(float(i));
  for (long n = 0; n < iters; ++n)
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
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
  if (__builtin_cpu_supports("avx512bf16")) {
    // 1 thread, pinned: FMA block, vdpbf16ps block, ... (CPU time each); medians of 9 pairs.
    pin(0);
    constexpr long kIt = 100'000'000 / 16;
    std::vector<double> f, b, ratio;
    for (int rep = 0; rep < 9; ++rep) {
      double c0 = cpu_seconds();
      volatile float s1 = fma512x16(kIt);
      const double tf = cpu_seconds() - c0;
      c0 = cpu_seconds();
      volatile float s2 = dpbf16(kIt);
      const double tb = cpu_seconds() - c0;
      (void)s1, (void)s2;
      f.push_back(2.0 * 16 * 16 * kIt / tf * 1e-9);
      b.push_back(2.0 * 32 * 16 * kIt / tb * 1e-9);
      ratio.push_back(b.back() / f.back());
    }
    auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
    std::printf("vdpbf16ps zmm threads=1  cpu-time %7.1f GFLOP/s (64 flop each) vs vfmadd231ps zmm %7.1f"
                " (32 flop each), interleaved, median of 9: bf16/fp32 %.2fx (range %.2f-%.2f)\n",
                med(b), med(f), med(ratio), *std::min_element(ratio.begin(), ratio.end()),
                *std::max_element(ratio.begin(), ratio.end()));
  }
  return 0;
}
