#include "parallel.h"

#include "threadpool.h"

#include <atomic>

namespace neurite {
namespace {

constexpr int64_t kChunkAlign = 16;
// Chunks are claimed one at a time from a counter, so the split is right whichever pool threads
// join (try_run may run the task on fewer threads than asked) and a late thread still helps.
constexpr int64_t kChunksPerThread = 4;
constexpr int64_t kMinChunk = int64_t{1} << 15;

struct Split {
  void (*fn)(void*, int64_t, int64_t);
  void* ctx;
  int64_t n, chunk;
  std::atomic<int64_t> next{0};
};

void run_chunks(void* p, int) {
  Split& s = *static_cast<Split*>(p);
  for (;;) {
    const int64_t lo = s.next.fetch_add(1, std::memory_order_relaxed) * s.chunk;
    if (lo >= s.n) return;
    s.fn(s.ctx, lo, s.n - lo < s.chunk ? s.n : lo + s.chunk);
  }
}

}  // namespace

bool parallel_for(int64_t n, void (*fn)(void* ctx, int64_t lo, int64_t hi), void* ctx) {
  if (n < kParallelMin) return false;
  const int threads = ThreadPool::default_threads();
  if (threads < 2) return false;
  ThreadPool& pool = ThreadPool::instance();
  const int parts = pool.size() < threads ? pool.size() : threads;
  if (parts < 2) return false;
  Split s;
  s.fn = fn;
  s.ctx = ctx;
  s.n = n;
  int64_t chunk = n / (parts * kChunksPerThread);
  if (chunk < kMinChunk) chunk = kMinChunk;
  s.chunk = (chunk + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
  return pool.try_run(parts, run_chunks, &s);
}

}  // namespace neurite
