// Splitting elementwise work (activations, optimizer updates) over the GEMM's thread pool.
// Plain C++17, no Node headers.
#pragma once
#include <cstdint>

namespace neurite {

// Elementwise work at least this long is split: below it the hand-off (a few us when the
// workers sleep) costs more than the second core saves.
constexpr int64_t kParallelMin = int64_t{1} << 17;

// Runs fn(ctx, lo, hi) over [0, n) in chunks (starts are multiples of 16 elements) that the
// calling thread and the pool's threads claim from a counter, when n >= kParallelMin,
// NEURITE_NUM_THREADS > 1 and the pool is free; returns false without running anything
// otherwise (the caller then runs fn(ctx, 0, n)).
// The split never changes results: every element is computed the same way whoever runs it.
bool parallel_for(int64_t n, void (*fn)(void* ctx, int64_t lo, int64_t hi), void* ctx);

}  // namespace neurite
