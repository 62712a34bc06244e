// OpenBLAS's own C loop for one fp32 shape, the peer of bench/matmul-public.mjs: C = A·B with
// cblas_sgemm into a reused C (no allocation per call). Prints the median GFLOP/s of `blocks`
// timed blocks of at least `ms` milliseconds (wall clock) after two warm-up calls.
// Usage: openblas_loop M N K [blocks ms [cpu]]   (threads: OPENBLAS_NUM_THREADS; kernel:
// OPENBLAS_CORETYPE; "cpu": time by the process's CPU time, user + system, all threads)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int use_cpu = 0;
static double now(void) {
  struct timespec t;
  clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: openblas_loop M N K [blocks ms]\n");
    return 2;
  }
  const long M = atol(argv[1]), N = atol(argv[2]), K = atol(argv[3]);
  const int blocks = argc > 4 ? atoi(argv[4]) : 5;
  const double ms = argc > 5 ? atof(argv[5]) : 150;
  use_cpu = argc > 6 && argv[6][0] == 'c';
  if (M <= 0 || N <= 0 || K <= 0 || blocks < 1 || blocks > 100) return 2;
  float* A = malloc(sizeof(float) * M * K);
  float* B = malloc(sizeof(float) * K * N);
  float* C = malloc(sizeof(float) * M * N);
  if (!A || !B || !C) return 1;
  for (long i = 0; i < M * K; i++) A[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (long i = 0; i < K * N; i++) B[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  for (int w = 0; w < 2; w++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
  double g[100];
  for (int b = 0; b < blocks; b++) {
    int it = 0;
    const double t0 = now();
    double t;
    do {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
      it++;
      t = now() - t0;
    } while (t * 1e3 < ms || it < 3);
    g[b] = 2.0 * M * N * K * it / t / 1e9;
  }
  qsort(g, blocks, sizeof(double), cmp);
  printf("%.2f %g\n", g[blocks / 2], (double)C[0]);
  free(A);
  free(B);
  free(C);
  return 0;
}
