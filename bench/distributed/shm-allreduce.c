/* Probe for an intra-node all-reduce through MPI-3 shared memory (issue 14, session 6): the ranks
 * of one node map each other's buffers (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) +
 * MPI_Win_allocate_shared); per all-reduce each rank announces its buffer is ready (a counter in
 * the window), rank r sums chunk r over every rank's buffer in rank order (every rank gets the
 * same bits) and writes the sum into every rank's buffer, then announces it is done; a rank
 * leaves when every rank is done. Timed against MPI_Allreduce (sum, float, in place) on the same
 * COUNT floats, interleaved, after warm-up; rank 0 prints microseconds per call, medians of 7
 * batches per form:
 *   mpi     MPI_Allreduce in place (allreduce.c's loop)
 *   shm     the data already in the shared window (DDP's buckets living there: no copy in)
 *   shmpull rank r sums chunk r into its own buffer only, then (after a barrier) copies the other
 *           chunks' sums from their owners' buffers: every write stays in the rank's own buffer
 *   shms    as shm, each rank's values scaled by 1/N while summed (DDP's averaging)
 * Waits spin (the probe measures the transfer; neurite's waits back off to sleeping).
 * Build: mpicc -O3 shm-allreduce.c -o shm-allreduce; run: mpirun -np 2 ./shm-allreduce COUNT ITERS */
#include <mpi.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return (x > y) - (x < y); }

#define LINE 64
typedef struct { _Atomic uint64_t seq; char pad[LINE - sizeof(uint64_t)]; } Flag;

static int rank, size;
static Flag* flags;      /* size flags, in rank 0's segment */
static float* bufs[64];  /* every rank's buffer */
static uint64_t gen;

static void arriveAndWait(uint64_t v) {
  atomic_store_explicit(&flags[rank].seq, v, memory_order_release);
  for (int j = 0; j < size; j++)
    while (atomic_load_explicit(&flags[j].seq, memory_order_acquire) < v) __builtin_ia32_pause();
}

/* push: rank r sums chunk r and writes the sum into every rank's buffer */
static void shmAllreduce(int64_t count, float scale) {
  /* chunk r of each buffer is rank r's; chunk bounds on 16-float (64 B) lines */
  int64_t per = ((count + size - 1) / size + 15) / 16 * 16;
  int64_t lo = per * rank, hi = lo + per < count ? lo + per : count;
  arriveAndWait(++gen);
  if (lo < hi) {
    float* restrict out = bufs[rank];
    if (scale == 1 && size == 2) {
      const float* restrict a = bufs[0];
      const float* restrict b = bufs[1];
      for (int64_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
    } else if (scale == 1) {
      for (int64_t i = lo; i < hi; i++) {
        float s = bufs[0][i];
        for (int j = 1; j < size; j++) s += bufs[j][i];
        out[i] = s;
      }
    } else {
      for (int64_t i = lo; i < hi; i++) {
        float s = (float)((double)bufs[0][i] * scale);
        for (int j = 1; j < size; j++) s += (float)((double)bufs[j][i] * scale);
        out[i] = s;
      }
    }
    for (int j = 0; j < size; j++) if (j != rank) memcpy(bufs[j] + lo, out + lo, (size_t)(hi - lo) * 4);
  }
  arriveAndWait(++gen);
}

/* pull: rank r sums chunk r into its own buffer only; after a barrier each rank copies the other
 * chunks' sums from their owners' buffers (every write is to the rank's own buffer) */
static void shmAllreducePull(int64_t count) {
  int64_t per = ((count + size - 1) / size + 15) / 16 * 16;
  int64_t lo = per * rank, hi = lo + per < count ? lo + per : count;
  arriveAndWait(++gen);
  float* restrict out = bufs[rank];
  if (lo < hi) {
    if (size == 2) {
      const float* restrict b = bufs[1 - rank];
      for (int64_t i = lo; i < hi; i++) out[i] = rank == 0 ? out[i] + b[i] : b[i] + out[i];
    } else {
      for (int64_t i = lo; i < hi; i++) {
        float s = bufs[0][i];
        for (int j = 1; j < size; j++) s += bufs[j][i];
        out[i] = s;
      }
    }
  }
  arriveAndWait(++gen);
  for (int j = 0; j < size; j++) {
    if (j == rank) continue;
    int64_t l = per * j, h = l + per < count ? l + per : count;
    if (l < h) memcpy(out + l, bufs[j] + l, (size_t)(h - l) * 4);
  }
  arriveAndWait(++gen);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int64_t count = atoll(argv[1]);
  int iters = atoi(argv[2]);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &rank);
  MPI_Comm_size(node, &size);
  int wsize;
  MPI_Comm_size(MPI_COMM_WORLD, &wsize);
  if (wsize != size) { if (rank == 0) fprintf(stderr, "one node only\n"); MPI_Abort(MPI_COMM_WORLD, 2); }
  /* each segment: a page of flags (rank 0's only used), then the buffer, page-aligned */
  int64_t padded = (count + 1023) / 1024 * 1024;
  MPI_Aint bytes = 4096 + padded * 4;
  char* mine;
  MPI_Win win;
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  MPI_Win_allocate_shared(bytes, 1, info, node, &mine, &win);
  MPI_Info_free(&info);
  for (int j = 0; j < size; j++) {
    MPI_Aint sz; int du; char* base;
    MPI_Win_shared_query(win, j, &sz, &du, &base);
    bufs[j] = (float*)(base + 4096);
    if (j == 0) flags = (Flag*)base;
  }
  if (rank == 0) for (int j = 0; j < size; j++) atomic_store(&flags[j].seq, 0);
  float* mpibuf = calloc((size_t)count, 4);
  for (int64_t i = 0; i < count; i++) { bufs[rank][i] = (float)(rank + 1) * 0.25f; mpibuf[i] = 0; }
  /* check: the sum of (r+1)/4 over ranks, on every rank, every element, both forms */
  float want = 0;
  for (int j = 0; j < size; j++) want += (float)(j + 1) * 0.25f;
  for (int form = 0; form < 2; form++) {
    for (int64_t i = 0; i < count; i++) bufs[rank][i] = (float)(rank + 1) * 0.25f;
    MPI_Barrier(node);
    if (form == 0) shmAllreduce(count, 1); else shmAllreducePull(count);
    for (int64_t i = 0; i < count; i++)
      if (bufs[rank][i] != want) { fprintf(stderr, "rank %d form %d: wrong sum at %lld: %g vs %g\n", rank, form, (long long)i, bufs[rank][i], want); MPI_Abort(MPI_COMM_WORLD, 3); }
  }
  for (int64_t i = 0; i < count; i++) bufs[rank][i] = 0;
  const char* names[4] = {"mpi", "shm", "shmpull", "shms"};
  enum { B = 21 };
  double t[4][B];
  for (int i = 0; i < iters; i++) { MPI_Allreduce(MPI_IN_PLACE, mpibuf, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); shmAllreduce(count, 1); }
  for (int r = 0; r < B; r++) {
    for (int f = 0; f < 4; f++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (int i = 0; i < iters; i++) {
        if (f == 0) MPI_Allreduce(MPI_IN_PLACE, mpibuf, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        else if (f == 1) shmAllreduce(count, 1);
        else if (f == 2) shmAllreducePull(count);
        else shmAllreduce(count, 1.0f / size);
      }
      t[f][r] = (MPI_Wtime() - t0) / iters * 1e6;
    }
  }
  if (rank == 0) {
    printf("{\"count\":%lld,\"ranks\":%d", (long long)count, size);
    for (int f = 0; f < 4; f++) { qsort(t[f], B, sizeof(double), cmp); printf(",\"%s\":[%.3f,%.3f]", names[f], t[f][0], t[f][B / 2]); }
    printf("}\n");
  }
  MPI_Win_free(&win);
  free(mpibuf);
  MPI_Finalize();
  return 0;
}
