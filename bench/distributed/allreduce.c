/* The baseline of the engine-overhead benchmark (bench/distributed/run.mjs): a plain C loop of
 * MPI_Allreduce (sum, float, in place) on COUNT floats, timed after warm-up; rank 0 prints
 * microseconds per call (median of 7 batches), and of one more batch timed call by call, the
 * median and 99th percentile call (p50Us, p99Us). Build: mpicc -O2 allreduce.c -o allreduce */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return (x > y) - (x < y); }
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int count = atoi(argv[1]), iters = atoi(argv[2]), rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  float* buf = calloc((size_t)count, sizeof(float));
  for (int i = 0; i < iters; i++) MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  double t[7];
  for (int r = 0; r < 7; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < iters; i++) MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    t[r] = (MPI_Wtime() - t0) / iters * 1e6;
  }
  qsort(t, 7, sizeof(double), cmp);
  double* one = malloc((size_t)iters * sizeof(double));
  MPI_Barrier(MPI_COMM_WORLD);
  for (int i = 0; i < iters; i++) {
    double t0 = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    one[i] = (MPI_Wtime() - t0) * 1e6;
  }
  qsort(one, (size_t)iters, sizeof(double), cmp);
  if (rank == 0) printf("{\"count\":%d,\"usPerCall\":%.3f,\"p50Us\":%.3f,\"p99Us\":%.3f}\n", count, t[3], one[iters / 2], one[iters * 99 / 100]);
  free(one);
  free(buf);
  MPI_Finalize();
  return 0;
}
