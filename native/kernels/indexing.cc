// Index kernels (indexing.h): row copies (memcpy) for index_select, row adds for index_add,
// and the (outer, index, inner) block loops of gather and scatter. Scalar C++ on purpose: the
// time is memory traffic (rows of memcpy, one load and one store per element), and the
// compiler vectorizes the row adds; the same order of operations as the js twin.
#include "indexing.h"

#include <cstring>

namespace neurite {

namespace {
// An index entry as a row number (float entries are integers, checked by the caller).
inline int64_t at(const int32_t* idx, int64_t k) { return idx[k]; }
inline int64_t at(const float* idx, int64_t k) { return static_cast<int64_t>(idx[k]); }
}  // namespace

template <class I>
void index_select(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) {
      const float* s = src + o * d;
      float* y = out + o * m;
      for (int64_t j = 0; j < m; ++j) y[j] = s[at(idx, j)];
    }
    return;
  }
  const size_t row = static_cast<size_t>(inner) * sizeof(float);
  for (int64_t o = 0; o < outer; ++o) {
    const float* s = src + o * d * inner;
    float* y = out + o * m * inner;
    for (int64_t j = 0; j < m; ++j) std::memcpy(y + j * inner, s + at(idx, j) * inner, row);
  }
}

template <class I>
void index_add(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out) {
  for (int64_t o = 0; o < outer; ++o) {
    const float* s = src + o * m * inner;
    float* y = out + o * d * inner;
    if (inner == 1) {
      for (int64_t j = 0; j < m; ++j) y[at(idx, j)] += s[j];
      continue;
    }
    for (int64_t j = 0; j < m; ++j) {
      float* __restrict yr = y + at(idx, j) * inner;
      const float* __restrict sr = s + j * inner;
      for (int64_t i = 0; i < inner; ++i) yr[i] += sr[i];
    }
  }
}

template <class I>
void gather(const float* src, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m, float* out) {
  for (int64_t o = 0; o < outer; ++o) {
    const float* s = src + o * d * inner;
    const I* ix = idx + o * m * inner;
    float* y = out + o * m * inner;
    if (inner == 1) {
      for (int64_t j = 0; j < m; ++j) y[j] = s[at(ix, j)];
      continue;
    }
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i < inner; ++i) y[j * inner + i] = s[at(ix, j * inner + i) * inner + i];
  }
}

template <class I>
void scatter(const float* src, float value, int64_t outer, int64_t d, int64_t inner, const I* idx, int64_t m,
             float* out, bool add) {
  for (int64_t o = 0; o < outer; ++o) {
    const I* ix = idx + o * m * inner;
    const float* s = src ? src + o * m * inner : nullptr;
    float* y = out + o * d * inner;
    const int64_t n = m * inner;
    if (inner == 1) {
      if (s && add) for (int64_t k = 0; k < n; ++k) y[at(ix, k)] += s[k];
      else if (s) for (int64_t k = 0; k < n; ++k) y[at(ix, k)] = s[k];
      else if (add) for (int64_t k = 0; k < n; ++k) y[at(ix, k)] += value;
      else for (int64_t k = 0; k < n; ++k) y[at(ix, k)] = value;
      continue;
    }
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = j * inner + i;
        float& t = y[at(ix, k) * inner + i];
        const float v = s ? s[k] : value;
        if (add) t += v; else t = v;
      }
  }
}

#define NEURITE_INDEX_KERNELS(I)                                                                              \
  template void index_select<I>(const float*, int64_t, int64_t, int64_t, const I*, int64_t, float*);          \
  template void index_add<I>(const float*, int64_t, int64_t, int64_t, const I*, int64_t, float*);             \
  template void gather<I>(const float*, int64_t, int64_t, int64_t, const I*, int64_t, float*);                \
  template void scatter<I>(const float*, float, int64_t, int64_t, int64_t, const I*, int64_t, float*, bool);
NEURITE_INDEX_KERNELS(int32_t)
NEURITE_INDEX_KERNELS(float)
#undef NEURITE_INDEX_KERNELS

}  // namespace neurite
