// Index kernels along the middle axis of [outer, d, inner] layouts: index_select and its
// backward (index_add), gather and scatter (assign or add; gather's and scatter's backwards).
// An index array is int32 or float32 holding integers (lib/ops passes an Int32Array or a float32
// index tensor's data); the caller (the addon, the trust boundary) has checked every entry is
// in [0, d) and every array's length. Loops run in the index's row-major order, as the js
// backend's (lib/backend/js.ts), so sums and "last write wins" agree bit for bit.
#pragma once
#include <cstdint>

namespace neurite {

// out[o, j, :] = src[o, idx[j], :]; src [outer, d, inner], out [outer, m, inner] (torch.index_select).
template <class I>
void index_select(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out);

// out[o, idx[j], :] += src[o, j, :]; src [outer, m, inner], out [outer, d, inner] (index_add_).
template <class I>
void index_add(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out);

// out[o, j, i] = src[o, idx[o, j, i], i]; src [outer, d, inner], idx and out [outer, m, inner] (torch.gather).
template <class I>
void gather(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out);

// out[o, idx[o, j, i], i] = v (add: += v), v = src[o, j, i], or `value` when src is null;
// idx and src [outer, m, inner], out [outer, d, inner] (torch.scatter / scatter_add_).
template <class I>
void scatter(const float* src, float value, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m,
             float* out, bool add);

}  // namespace neurite
