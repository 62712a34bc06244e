// W6 / W2 / W3 SGEMM side by side: neurite vs OpenBLAS (cblas_sgemm) vs BLIS (bli_sgemm, if
// libblis is installed), same process, interleaved per repeat, median (and best) of repeats,
// 1 and 2 threads. Build and run with bench/native/build.sh.
//
// Usage: sgemm_bench [--threads 1,2] [--reps 7] [--filter substring] [--ms 40] [--cpu-time]
//                    [--neurite-only] [--no-mlp] [--isa avx512|avx2|portable]
//                    [--shapes MxNxK,...]   (NN products of these shapes instead of the list)
#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/kernels/gemm.h"

extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename(void);

namespace {

// BLIS through dlopen(RTLD_LOCAL | RTLD_DEEPBIND): it exports cblas_sgemm too, and must not
// interpose OpenBLAS's (or the other way round).
using BliSgemm = void (*)(int transa, int transb, int64_t m, int64_t n, int64_t k,
                          const float* alpha, const float* a, int64_t rsa, int64_t csa,
                          const float* b, int64_t rsb, int64_t csb, const float* beta, float* c,
                          int64_t rsc, int64_t csc);
BliSgemm bli_sgemm = nullptr;
void (*bli_set_threads)(int64_t) = nullptr;
const char* blis_arch = "";

void load_blis() {
  const char* paths[] = {"/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4",
                         "/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4",
                         "libblis.so.4"};
  for (const char* p : paths) {
    void* h = dlopen(p, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) continue;
    bli_sgemm = reinterpret_cast<BliSgemm>(dlsym(h, "bli_sgemm"));
    bli_set_threads = reinterpret_cast<void (*)(int64_t)>(dlsym(h, "bli_thread_set_num_threads"));
    auto qid = reinterpret_cast<int (*)()>(dlsym(h, "bli_arch_query_id"));
    auto qs = reinterpret_cast<const char* (*)(int)>(dlsym(h, "bli_arch_string"));
    if (qid && qs) blis_arch = qs(qid());
    if (bli_sgemm && bli_set_threads) return;
    bli_sgemm = nullptr;
  }
}

struct Shape {
  std::string name;
  bool ta, tb;
  int64_t M, N, K;
};

std::vector<Shape> shapes() {
  std::vector<Shape> s;
  // W6
  for (int n : {64, 128, 256, 512, 1024, 2048})
    s.push_back({"W6 sq" + std::to_string(n) + " NN", false, false, n, n, n});
  s.push_back({"W6 128x784*784x512 NN", false, false, 128, 512, 784});
  s.push_back({"W6 512x512*512x2048 NN", false, false, 512, 2048, 512});
  s.push_back({"W6 32x10*10x64 NN", false, false, 32, 64, 10});
  // The transposes Linear uses, on squares: forward X*W^T (NT), dW = dZ^T*X (TN).
  for (int n : {128, 256, 512, 1024, 2048}) {
    s.push_back({"sq" + std::to_string(n) + " NT", false, true, n, n, n});
    s.push_back({"sq" + std::to_string(n) + " TN", true, false, n, n, n});
  }
  // The strided-view shapes of issue 11: op(A) = A^T read through trans_a vs untransposed.
  s.push_back({"views 784x128x512 TN", true, false, 784, 128, 512});
  s.push_back({"views 784x128x512 NN", false, false, 784, 128, 512});
  s.push_back({"views 128x512x784 NT", false, true, 128, 512, 784});
  // Linear layer (batch b, in i, out o): fwd X*W^T, dX = dZ*W, dW = dZ^T*X.
  auto linear = [&](const std::string& tag, int64_t b, int64_t i, int64_t o) {
    s.push_back({tag + " fwd", false, true, b, o, i});
    s.push_back({tag + " dX", false, false, b, i, o});
    s.push_back({tag + " dW", true, false, o, i, b});
  };
  linear("W3 784->512 b128", 128, 784, 512);
  linear("W3 512->512 b128", 128, 512, 512);
  linear("W3 512->10 b128", 128, 512, 10);
  linear("W2 512->2048 t512", 512, 512, 2048);
  linear("W2 2048->512 t512", 512, 2048, 512);
  linear("W1 10->64 b32", 32, 10, 64);
  linear("W1 64->64 b32", 32, 64, 64);
  linear("W1 64->1 b32", 32, 64, 1);
  return s;
}

enum Lib { kNeurite, kOpenBlas, kBlis };


struct Buffers {
  std::vector<float> A, B, C;
};

void call(Lib lib, const Shape& s, Buffers& b, int threads) {
  const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N, ldc = s.N;
  const float one = 1.0f, zero = 0.0f;
  switch (lib) {
    case kNeurite:
      neurite::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, b.A.data(), lda, b.B.data(), ldb, 0.0f,
                     b.C.data(), ldc, nullptr, threads);
      break;
    case kOpenBlas:
      cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans,
                  s.tb ? CblasTrans : CblasNoTrans, int(s.M), int(s.N), int(s.K), 1.0f,
                  b.A.data(), int(lda), b.B.data(), int(ldb), 0.0f, b.C.data(), int(ldc));
      break;
    case kBlis:  // general strides describe the row-major (possibly transposed) operands
      bli_sgemm(0, 0, s.M, s.N, s.K, &one, b.A.data(), s.ta ? 1 : lda, s.ta ? lda : 1,
                b.B.data(), s.tb ? 1 : ldb, s.tb ? ldb : 1, &zero, b.C.data(), ldc, 1);
      break;
  }
}

using Clock = std::chrono::steady_clock;

// --cpu-time: time 1-thread runs by the calling thread's CPU time, which other processes on a
// shared machine cannot inflate (they still pollute caches).
bool g_cpu_time = false;

double now(int threads) {
  if (g_cpu_time && threads == 1) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// Seconds per call, timing `iters` back-to-back calls.
double time_block(Lib lib, const Shape& s, Buffers& b, int threads, int iters) {
  const double t0 = now(threads);
  for (int i = 0; i < iters; ++i) call(lib, s, b, threads);
  return (now(threads) - t0) / iters;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void set_threads(int t) {
  openblas_set_num_threads(t);
  if (bli_set_threads) bli_set_threads(t);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 2};
  int reps = 7;
  double block_ms = 40;
  std::string filter;
  bool only_neurite = false, mlp = true;
  std::vector<Shape> custom;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      thread_counts.clear();
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ","))
        thread_counts.push_back(std::atoi(t));
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--neurite-only") {  // for tuning runs
      only_neurite = true;
    } else if (a == "--isa" && i + 1 < argc) {  // avx512 | avx2 | portable
      if (!neurite::sgemm_force_isa(argv[++i])) {
        std::fprintf(stderr, "this CPU cannot run %s\n", argv[i]);
        return 2;
      }
    } else if (a == "--cpu-time") {
      g_cpu_time = true;
    } else if (a == "--no-mlp") {
      mlp = false;
    } else if (a == "--shapes" && i + 1 < argc) {
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ",")) {
        long long m = 0, n = 0, k = 0;
        if (std::sscanf(t, "%lldx%lldx%lld", &m, &n, &k) != 3 || m < 1 || n < 1 || k < 1) {
          std::fprintf(stderr, "--shapes: '%s' is not MxNxK\n", t);
          return 2;
        }
        custom.push_back({std::string(t) + " NN", false, false, m, n, k});
      }
    } else if (a == "--ms" && i + 1 < argc) {
      block_ms = std::atof(argv[++i]);
    }
  }
  load_blis();
  std::vector<Lib> libs = {kNeurite};
  if (!only_neurite) libs.push_back(kOpenBlas);
  if (bli_sgemm && !only_neurite) libs.push_back(kBlis);
  const char* ct = std::getenv("OPENBLAS_CORETYPE");
  std::printf("# neurite isa=%s | openblas core=%s (OPENBLAS_CORETYPE=%s) | blis %s\n",
              neurite::sgemm_isa(), openblas_get_corename(), ct ? ct : "unset",
              bli_sgemm ? blis_arch : "not installed");
  std::printf("# GFLOP/s = 2*M*N*K / time; median of %d interleaved repeats (best in brackets)%s\n",
              reps, g_cpu_time ? "; 1-thread rows timed by thread CPU time" : "");
  std::printf("%-26s %3s %5s %5s %5s | %16s %16s %16s | %6s %6s\n", "shape", "thr", "M", "N",
              "K", "neurite", "openblas", "blis", "n/ob", "n/blis");

  std::mt19937 rng(7);
  std::normal_distribution<float> d;
  for (const Shape& s : custom.empty() ? shapes() : custom) {
    if (!filter.empty() && s.name.find(filter) == std::string::npos) continue;
    Buffers b;
    b.A.resize(s.M * s.K);
    b.B.resize(s.K * s.N);
    b.C.resize(s.M * s.N);
    for (float& x : b.A) x = d(rng);
    for (float& x : b.B) x = d(rng);
    // Sanity: neurite agrees with OpenBLAS.
    call(only_neurite ? kNeurite : kOpenBlas, s, b, 1);
    const std::vector<float> ref = b.C;
    call(kNeurite, s, b, 1);
    double maxdiff = 0, maxref = 1e-30;
    for (size_t i = 0; i < ref.size(); ++i) {
      maxdiff = std::max(maxdiff, double(std::fabs(ref[i] - b.C[i])));
      maxref = std::max(maxref, double(std::fabs(ref[i])));
    }
    if (maxdiff > 1e-4 * maxref * std::sqrt(double(s.K)))
      std::printf("!! %s: neurite differs from OpenBLAS by %g (max |C| %g)\n", s.name.c_str(),
                  maxdiff, maxref);
    const double flop = 2.0 * s.M * s.N * s.K;
    for (int t : thread_counts) {
      set_threads(t);
      std::vector<int> iters(libs.size());
      for (size_t l = 0; l < libs.size(); ++l) {  // warm up, then size blocks to ~block_ms
        if (t > 1) std::this_thread::sleep_for(std::chrono::milliseconds(150));
        time_block(libs[l], s, b, t, 2);
        const double one = time_block(libs[l], s, b, t, 3);
        iters[l] = std::max(1, int(block_ms * 1e-3 / std::max(one, 1e-9)));
      }
      std::vector<std::vector<double>> secs(libs.size());
      for (int r = 0; r < reps; ++r) {
        for (size_t l = 0; l < libs.size(); ++l) {
          const size_t li = (l + r) % libs.size();  // rotate who goes first
          // Let the previous library's spinning workers go idle first (OpenBLAS spins up to
          // 2^28 cycles after a call, GOMP a few ms), so none runs against another's threads.
          if (t > 1) std::this_thread::sleep_for(std::chrono::milliseconds(150));
          secs[li].push_back(time_block(libs[li], s, b, t, iters[li]));
        }
      }
      double med[3] = {0, 0, 0}, best[3] = {0, 0, 0};
      for (size_t l = 0; l < libs.size(); ++l) {
        med[libs[l]] = flop / median(secs[l]) * 1e-9;
        best[libs[l]] = flop / *std::min_element(secs[l].begin(), secs[l].end()) * 1e-9;
      }
      char cols[3][32];
      for (int l = 0; l < 3; ++l) {
        if (std::find(libs.begin(), libs.end(), Lib(l)) == libs.end()) std::snprintf(cols[l], 32, "%16s", "-");
        else std::snprintf(cols[l], 32, "%7.1f [%6.1f]", med[l], best[l]);
      }
      std::printf("%-26s %3d %5lld %5lld %5lld | %s %s %s | %6.2f %6.2f\n", s.name.c_str(), t,
                  (long long)s.M, (long long)s.N, (long long)s.K, cols[0], cols[1], cols[2],
                  med[0] / med[1], bli_sgemm ? med[0] / med[2] : 0.0);
      std::fflush(stdout);
    }
  }
  // The seed MLP forward (W1): three GEMMs back to back, as Linear issues them.
  if (mlp) {
    std::vector<float> X(32 * 10), W1(64 * 10), H1(32 * 64), W2(64 * 64), H2(32 * 64), W3(64),
        Y(32);
    for (auto* v : {&X, &W1, &W2, &W3})
      for (float& x : *v) x = d(rng);
    auto fwd = [&] {
      neurite::sgemm(false, true, 32, 64, 10, 1.0f, X.data(), 10, W1.data(), 10, 0.0f, H1.data(), 64);
      neurite::sgemm(false, true, 32, 64, 64, 1.0f, H1.data(), 64, W2.data(), 64, 0.0f, H2.data(), 64);
      neurite::sgemm(false, true, 32, 1, 64, 1.0f, H2.data(), 64, W3.data(), 64, 0.0f, Y.data(), 1);
    };
    auto fwd_ob = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 32, 64, 10, 1.0f, X.data(), 10, W1.data(), 10, 0.0f, H1.data(), 64);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 32, 64, 64, 1.0f, H1.data(), 64, W2.data(), 64, 0.0f, H2.data(), 64);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 32, 1, 64, 1.0f, H2.data(), 64, W3.data(), 64, 0.0f, Y.data(), 1);
    };
    set_threads(1);
    std::vector<double> tn, to;
    for (int r = 0; r < 2000; ++r) fwd(), fwd_ob();
    for (int r = 0; r < 31; ++r) {
      const double t0 = now(1);
      for (int i = 0; i < 2000; ++i) fwd();
      const double t1 = now(1);
      for (int i = 0; i < 2000; ++i) fwd_ob();
      const double t2 = now(1);
      tn.push_back((t1 - t0) / 2000);
      to.push_back((t2 - t1) / 2000);
    }
    std::printf("W1 seed MLP forward, GEMMs only (32x10->64->64->1, X*W^T): neurite %.3f us, "
                "openblas %.3f us (median of 31 x 2000 calls; 0.307 MFLOP)%s\n",
                median(tn) * 1e6, median(to) * 1e6, g_cpu_time ? ", thread CPU time" : "");
  }
  return 0;
}
