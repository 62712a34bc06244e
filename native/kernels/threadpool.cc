#include "threadpool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NEURITE_PAUSE() _mm_pause()
#else
#define NEURITE_PAUSE() std::this_thread::yield()
#endif

namespace neurite {

namespace {
// About 50-100 us of spinning (pause is ~40-140 cycles) before a worker goes to sleep.
constexpr int kSpinIterations = 4000;
}  // namespace

struct ThreadPool::State {
  std::mutex owner;             // held by the caller that currently uses the pool
  std::mutex mu;                // guards sleeping on cv
  std::condition_variable cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> sleepers{0};
  // A job is open while its caller still works on it. A worker joins (joined + 1) and then
  // checks `open`; the caller closes the job when its own share is done and waits only for
  // the workers that joined. So a worker that wakes late (asleep, or descheduled on a busy
  // machine) never delays the caller, and never touches a finished job's context.
  std::atomic<bool> open{false};
  std::atomic<int> joined{0};
  std::atomic<int> n{0};        // workers with index < n may join the open job
  Task task = nullptr;
  void* ctx = nullptr;
};

int ThreadPool::default_threads() {
  if (const char* env = std::getenv("NEURITE_NUM_THREADS")) {
    const int v = std::atoi(env);
    if (v > 0) return v > 256 ? 256 : v;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool(default_threads());
  return *pool;
}

ThreadPool::ThreadPool(int size) : s_(new State), size_(size < 1 ? 1 : size) {
  for (int i = 1; i < size_; ++i) std::thread([this, i] { worker_loop(i); }).detach();
}

void ThreadPool::worker_loop(int index) {
  State& s = *s_;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g;
    int spins = 0;
    while ((g = s.generation.load(std::memory_order_acquire)) == seen) {
      if (++spins < kSpinIterations) {
        NEURITE_PAUSE();
        continue;
      }
      std::unique_lock<std::mutex> lk(s.mu);
      s.sleepers.fetch_add(1, std::memory_order_seq_cst);
      s.cv.wait(lk, [&] { return s.generation.load(std::memory_order_seq_cst) != seen; });
      s.sleepers.fetch_sub(1, std::memory_order_relaxed);
      spins = 0;
    }
    seen = g;
    s.joined.fetch_add(1, std::memory_order_seq_cst);
    if (s.open.load(std::memory_order_seq_cst) && index < s.n.load(std::memory_order_relaxed))
      s.task(s.ctx, index);
    s.joined.fetch_sub(1, std::memory_order_release);
  }
}

bool ThreadPool::try_run(int n, Task task, void* ctx) {
  State& s = *s_;
  if (n <= 1 || size_ <= 1) {
    task(ctx, 0);
    return true;
  }
  std::unique_lock<std::mutex> own(s.owner, std::try_to_lock);
  if (!own.owns_lock()) return false;
  s.task = task;
  s.ctx = ctx;
  s.n.store(n, std::memory_order_relaxed);
  s.open.store(true, std::memory_order_seq_cst);
  s.generation.fetch_add(1, std::memory_order_seq_cst);
  if (s.sleepers.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lk(s.mu); }
    s.cv.notify_all();
  }
  task(ctx, 0);
  s.open.store(false, std::memory_order_seq_cst);
  int spins = 0;
  while (s.joined.load(std::memory_order_seq_cst) != 0) {
    if (++spins < 1000) NEURITE_PAUSE();
    else std::this_thread::yield();
  }
  return true;
}

}  // namespace neurite
