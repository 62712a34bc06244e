#include "parallel.h"

#include "threadpool.h"

namespace neurite {
namespace {

constexpr int64_t kChunkAlign = 16;

struct Split {
  void (*fn)(void*, int64_t, int64_t);
  void* ctx;
  int64_t n, chunk;
};

void run_chunk(void* p, int i) {
  const Split& s = *static_cast<const Split*>(p);
  const int64_t lo = i * s.chunk;
  if (lo >= s.n) return;
  s.fn(s.ctx, lo, s.n - lo < s.chunk ? s.n : lo + s.chunk);
}

}  // namespace

bool parallel_for(int64_t n, void (*fn)(void* ctx, int64_t lo, int64_t hi), void* ctx) {
  if (n < kParallelMin) return false;
  const int threads = ThreadPool::default_threads();
  if (threads < 2) return false;
  ThreadPool& pool = ThreadPool::instance();
  int parts = pool.size() < threads ? pool.size() : threads;
  if (parts < 2) return false;
  Split s{fn, ctx, n, 0};
  s.chunk = ((n + parts - 1) / parts + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
  parts = static_cast<int>((n + s.chunk - 1) / s.chunk);
  return pool.try_run(parts, run_chunk, &s);
}

}  // namespace neurite
