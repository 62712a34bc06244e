// SGEMM: the contract between the GEMM driver (gemm*.cc, microkernels, thread pool) and its
// callers (fused linear kernels, the addon). Plain C++17, no Node headers.
#pragma once
#include <cstdint>

namespace neurite {

// Called once for every finished tile of C (after the last K block has been accumulated), so
// bias + activation are applied while the tile is still in cache. `c` points at C[row0][col0],
// the tile is rows x cols with leading dimension ldc. Must be thread-safe (tiles are disjoint).
struct Epilogue {
  void (*apply)(const Epilogue* self, float* c, int64_t ldc, int64_t row0, int64_t col0,
                int64_t rows, int64_t cols);
  const void* ctx;  // whatever apply needs (bias, activation id, pre-activation output ...)
};

// C = alpha * op(A) * op(B) + beta * C, row-major. op(A) is M x K, op(B) is K x N.
// A is stored M x K (K x M when trans_a) with leading dimension lda; B is K x N (N x K when
// trans_b) with ldb; C is M x N with ldc. beta == 0 never reads C. ep may be null.
// threads <= 0 means the pool's default (NEURITE_NUM_THREADS, else the cores); small products
// run on the calling thread without packing.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const Epilogue* ep = nullptr, int threads = 0);

// torch.set_float32_matmul_precision for this thread (each Node worker_thread has its own):
// kHighest = fp32 products (the default, bit-identical to before); kMedium = both inputs of
// every product rounded to bf16 (round to nearest even), products accumulated in fp32, fp32
// output; kHigh = the bf16x3 split (x = hi + lo, both bf16; hi*hi + hi*lo + lo*hi). Read by
// sgemm on the calling thread, so every product (gemm, linear forward / backward / chain)
// follows it; everything outside the products stays fp32.
enum class MatmulPrecision : int { kHighest = 0, kHigh = 1, kMedium = 2 };
void set_matmul_precision(MatmulPrecision p);
MatmulPrecision matmul_precision();

// Packed-weight cache of the bf16 products ('medium', 'high'; gemm_bf16.cc). A caller that
// knows its B operand is a weight names it (id of its storage, the storage's version: any
// in-place write bumps the version) for the products it runs on this thread while a
// ScopedWeightKey lives; the tile path then packs that B once (all K blocks, all 32-column
// panels) into a bounded cache and later products with the same key, shape, layout and
// precision read the packed panels instead of converting and packing B again. Results are
// bit-identical to packing each time. id 0 = no key. The cache never holds a pointer into B.
struct WeightKey {
  uint64_t id = 0, version = 0;
};
class ScopedWeightKey {
 public:
  explicit ScopedWeightKey(const WeightKey* k);  // null or id 0: no key
  ~ScopedWeightKey();
  ScopedWeightKey(const ScopedWeightKey&) = delete;
  ScopedWeightKey& operator=(const ScopedWeightKey&) = delete;

 private:
  WeightKey saved_;
};
// A new storage id for WeightKey, unique in the process (every thread, every worker_thread):
// ids from per-thread counters would repeat across workers, and a freed weight's address can
// come back as another worker's weight with the same id and version.
uint64_t pack_cache_new_id();
// Drops every packed weight (frees the memory).
void pack_cache_drop();
// The cache's byte bound (least recently used entries go first); 0 disables it. Default 64 MB.
void pack_cache_set_limit(uint64_t bytes);
struct PackCacheStats {
  uint64_t entries, bytes, limit, hits, misses;
};
PackCacheStats pack_cache_stats();

// The kernel chosen at run time from CPU features: "avx512", "avx2", or "portable".
const char* sgemm_isa();
// The kernel of the bf16 products ('medium', 'high'): "amx" (AMX-BF16 tiles), "avx512bf16"
// (vdpbf16ps; chosen by default only where it beats fp32 FMA: AMD Zen 4 / Zen 5, see
// avx512bf16_pays() in gemm_bf16.cc; or when NEURITE_ISA forces it), or "portable" (inputs
// rounded to bf16 in packing, then the fp32 kernel).
const char* bf16_gemm_isa();
// What 'high' runs: "bf16x3" (the three bf16 products) on the AMX kernel, where they beat
// fp32, and wherever the bf16 kernel is forced (NEURITE_ISA, bf16_force_isa); else "fp32":
// the 'highest' product, bit for bit, as PyTorch computes 'high' when no fast algorithm exists
// (three vdpbf16ps per fp32 FMA: at most 2/3 of the fp32 rate on Zen 5, measured 0.5-0.6x).
const char* bf16_high_mode();
// Force the bf16 kernel (tests, benchmarks): "amx", "avx512bf16", "portable"; false if the CPU
// cannot run it. Then 'high' runs bf16x3 on it. Not thread-safe: call before any product.
bool bf16_force_isa(const char* isa);
// Override the bf16 tile kernels' blocks (benchmarks, tuning): KC (a multiple of 32; it cuts K,
// so it changes where partial sums are added), MC, NC (multiples of 32); 0 = the kernel's own.
// False (nothing changed) otherwise. Drops the packed-weight cache. Not thread-safe: call
// between products.
bool bf16_set_blocks(int64_t kc, int64_t mc, int64_t nc);
// The fp32 GEMM's blocking for the kernel in use: the tile (MR x NR, per ISA) and the blocks.
// KC is fixed per ISA (it decides where partial sums are added, so it sets the rounding); MC
// and NC come from the CPU's cache sizes (cpu_caches(); they only cut C, results are the same
// bits), or all three from NEURITE_GEMM_BLOCKING=mc,kc,nc (experiments; a KC other than the
// ISA's changes the rounding).
struct GemmBlocking {
  int mr, nr;
  int64_t mc, kc, nc;
  bool b_in_l1;        // loop order: true = a B micro-panel in L1, packed A in L2 (classic BLIS)
  const char* source;  // "cpu caches" | "NEURITE_GEMM_BLOCKING" | "isa defaults (caches unknown)"
};
const GemmBlocking& sgemm_blocking();
// Why NEURITE_GEMM_BLOCKING is refused (nullptr when unset, empty or valid); the addon refuses
// to load with this message, so an experiment never silently runs the default blocking.
const char* sgemm_blocking_error();
// The number of threads large products use.
int sgemm_threads();
// Force an ISA (for tests and benchmarks): "avx512", "avx2", "portable"; returns false if the
// CPU cannot run it. Not thread-safe: call before any sgemm.
bool sgemm_force_isa(const char* isa);

}  // namespace neurite
