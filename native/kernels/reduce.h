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
// Cross-entropy with PyTorch 1.13's options, fused (forward and gradient in one pass per row).
// Exactly one of target (class indices in [0, c) or == ignore, checked by the caller) and probs
// ([n, c] class probabilities) is non-null; weight [c] may be null; eps = label smoothing in
// [0, 1]. reduction: kReduceNone / kReduceMean / kReduceSum. out (may be null) receives each
// row's loss; grad (may be null) d(loss)/d(logits) for an upstream gradient of 1 (per row for
// 'none', of the reduced loss otherwise). Returns the reduced loss (the sum for 'none').
// Mean divides by the kept rows' weights (index targets) or by n (probabilities), as PyTorch.
constexpr int kReduceNone = 0, kReduceMean = 1, kReduceSum = 2;
double cross_entropy_ex(const float* x, int64_t n, int64_t c, const int32_t* target,
                        const float* probs, const float* weight, int64_t ignore, double eps,
                        int reduction, float* out, float* grad);

}  // namespace neurite
