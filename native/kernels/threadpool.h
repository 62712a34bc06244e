// A fixed pool of worker threads for large GEMMs. Plain C++17, no Node headers.
//
// One caller at a time owns the pool; a concurrent caller (another worker_thread of Node, or a
// nested call from inside a task) does not wait for it: try_run() returns false and the caller
// runs its work itself. Workers spin briefly after each job (so back-to-back GEMMs of a layer
// stack do not pay a futex wake-up), then sleep on a condition variable.
#pragma once

namespace neurite {

class ThreadPool {
 public:
  using Task = void (*)(void* ctx, int index);

  // The process-wide pool, created on first use with default_threads() threads in total
  // (the caller counts as one). Never destroyed: workers are detached.
  static ThreadPool& instance();
  // NEURITE_NUM_THREADS if set and positive, else the number of hardware threads.
  static int default_threads();

  int size() const { return size_; }

  // Runs task(ctx, 0) on the calling thread and task(ctx, i) on every worker that wakes up
  // before the caller's own call returns (0 to n - 1 of them, index 1 <= i < n): the task
  // must share out its work dynamically (e.g. an atomic counter) and tolerate any number of
  // participants. n <= 1 runs only the caller. Returns false without running anything if
  // another caller holds the pool.
  bool try_run(int n, Task task, void* ctx);

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  explicit ThreadPool(int size);
  void worker_loop(int index);
  struct State;
  State* s_;
  int size_;
};

}  // namespace neurite
