// The matrix products of one MLP training step (forward, dW, dX of every Linear, shapes as
// neurite's linear ops call sgemm), timed as a sum per variant, variants interleaved rep by rep
// in one process: 'highest', 'medium', and 'medium' with other bf16 blocks (bf16_set_blocks).
//   [NT=threads] bf16_step w3|mlp1024 [reps] [variant ...]    variant: highest | medium | medium:KC,MC,NC
// Prints the median ms per step of each variant and each product (fp32 inputs and outputs:
// conversion and packing inside the timing; outputs reused, so no page faults). 1 thread unless NT.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu.h"
#include "gemm.h"

namespace {
struct Prod { const char* name; int64_t M, N, K; bool ta, tb; };
struct Variant { std::string name; neurite::MatmulPrecision p; int64_t kc = 0, mc = 0, nc = 0; };

std::vector<Prod> products(const std::vector<int64_t>& sizes, int64_t batch) {
  static std::vector<std::string> names;
  std::vector<Prod> v;
  names.reserve(64);
  const size_t L = sizes.size() - 1;
  for (size_t l = 0; l < L; ++l) {  // forward: X (batch x in) W^T (W: out x in)
    names.push_back("fwd" + std::to_string(l + 1));
    v.push_back({names.back().c_str(), batch, sizes[l + 1], sizes[l], false, true});
  }
  for (size_t l = L; l-- > 0;) {  // backward, last layer first: dW = dZ^T X, dX = dZ W
    names.push_back("dW" + std::to_string(l + 1));
    v.push_back({names.back().c_str(), sizes[l + 1], sizes[l], batch, true, false});
    if (l > 0) {  // the input needs no gradient
      names.push_back("dX" + std::to_string(l + 1));
      v.push_back({names.back().c_str(), batch, sizes[l], sizes[l + 1], false, false});
    }
  }
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string c = argc > 1 ? argv[1] : "w3";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 21;
  const int threads = std::getenv("NT") ? std::atoi(std::getenv("NT")) : 1;
  std::vector<int64_t> sizes = {784, 512, 512, 10};
  int64_t batch = 128;
  if (c == "mlp1024") sizes = {784, 1024, 1024, 10}, batch = 256;
  else if (c != "w3") { std::fprintf(stderr, "usage: bf16_step w3|mlp1024 [reps] [variant ...]\n"); return 2; }
  std::vector<Variant> vs;
  for (int i = 3; i < argc; ++i) {
    Variant v{argv[i], neurite::MatmulPrecision::kMedium};
    if (!std::strcmp(argv[i], "highest")) v.p = neurite::MatmulPrecision::kHighest;
    else if (!std::strncmp(argv[i], "medium:", 7)) {
      long long kc, mc, nc;
      if (std::sscanf(argv[i] + 7, "%lld,%lld,%lld", &kc, &mc, &nc) != 3) return 2;
      v.kc = kc, v.mc = mc, v.nc = nc;
    } else if (std::strcmp(argv[i], "medium")) return 2;
    vs.push_back(v);
  }
  if (vs.empty()) vs = {{"highest", neurite::MatmulPrecision::kHighest}, {"medium", neurite::MatmulPrecision::kMedium}};
  const std::vector<Prod> ps = products(sizes, batch);
  std::mt19937 r(1);
  std::normal_distribution<float> d;
  std::vector<std::vector<float>> A(ps.size()), B(ps.size()), C(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    A[i].resize(ps[i].M * ps[i].K), B[i].resize(ps[i].K * ps[i].N), C[i].resize(ps[i].M * ps[i].N);
    for (float& x : A[i]) x = d(r);
    for (float& x : B[i]) x = d(r);
  }
  // t[v][p]: per rep, seconds of product p under variant v
  std::vector<std::vector<std::vector<double>>> t(vs.size(), std::vector<std::vector<double>>(ps.size() + 1));
  for (int rep = -2; rep < reps; ++rep)
    for (size_t vi = 0; vi < vs.size(); ++vi) {
      const Variant& v = vs[vi];
      if (!neurite::bf16_set_blocks(v.kc, v.mc, v.nc)) { std::fprintf(stderr, "bad blocks %s\n", v.name.c_str()); return 2; }
      neurite::set_matmul_precision(v.p);
      double sum = 0;
      for (size_t i = 0; i < ps.size(); ++i) {
        const Prod& p = ps[i];
        auto t0 = std::chrono::steady_clock::now();
        neurite::sgemm(p.ta, p.tb, p.M, p.N, p.K, 1.0f, A[i].data(), p.ta ? p.M : p.K, B[i].data(),
                       p.tb ? p.K : p.N, 0.0f, C[i].data(), p.N, nullptr, threads);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        sum += s;
        if (rep >= 0) t[vi][i].push_back(s);
      }
      if (rep >= 0) t[vi][ps.size()].push_back(sum);
    }
  auto med = [](std::vector<double> x) { std::sort(x.begin(), x.end()); return x[x.size() / 2]; };
  std::printf("cpu: %s (family %d model %d); fp32 %s, bf16 %s; %s batch %lld, %d thread(s), %d reps, medians in ms\n",
              neurite::cpu_features().brand, neurite::cpu_features().family, neurite::cpu_features().model,
              neurite::sgemm_isa(), neurite::bf16_gemm_isa(), c.c_str(), (long long)batch, threads, reps);
  std::printf("%-22s", "variant");
  for (const Prod& p : ps) std::printf(" %9s", p.name);
  std::printf(" %9s %7s\n", "step", "/first");
  const double first = med(t[0][ps.size()]);
  for (size_t vi = 0; vi < vs.size(); ++vi) {
    std::printf("%-22s", vs[vi].name.c_str());
    for (size_t i = 0; i <= ps.size(); ++i) std::printf(" %9.4f", med(t[vi][i]) * 1e3);
    std::printf(" %6.3fx\n", first / med(t[vi][ps.size()]));
  }
  return 0;
}
