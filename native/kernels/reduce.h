// Reductions over the middle axis of [outer, d, inner], softmax / log-softmax and fused
// softmax cross-entropy. Sums run in double in the js backend's order, so the two backends
// agree bit for bit.
#pragma once
#include <cstdint>

namespace neurite {

void sum_axis(const float* x, int64_t outer, int64_t d, int64_t inner, float* out);
// The max over the axis and its first index; NaN wins (as PyTorch). d == 0 gives NaN, 0.
void max_axis(const float* x, int64_t outer, int64_t d, int64_t inner, float* out_val,
              int32_t* out_idx);
void softmax(const float* x, int64_t outer, int64_t d, int64_t inner, float* y, bool log);
void softmax_backward(const float* y, const float* gy, int64_t outer, int64_t d, int64_t inner,
                      float* gx, bool log);
// Mean cross-entropy of logits [n, c] against class indices in [0, c) (checked by the caller);
// grad (may be null) receives (softmax - onehot) / n.
float cross_entropy(const float* logits, int64_t n, int64_t c, const int32_t* target,
                    float* grad);

}  // namespace neurite
