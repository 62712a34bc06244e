#!/usr/bin/env bash
# Builds and runs the native SGEMM benchmarks and the GEMM unit test.
#   bench/native/build.sh            build everything into build-sgemm/
#   bench/native/build.sh bench ...  build, then run sgemm_bench (extra args passed through)
#   bench/native/build.sh peak       build, then run the W7 FMA peak
#   bench/native/build.sh test       build and run native/tests/gemm_test (plain and ASan+UBSan)
#   build-sgemm/sgemm_one avx512 1024 1024 1024 [ta tb]   one shape, neurite only (NT=threads)
#   build-sgemm/trans_pair avx512 [M N K]   TN and NT vs NN of one shape, paired, 1 thread
#   build-sgemm/bf16_step w3|mlp1024 [reps] [highest medium medium:KC,MC,NC ...]   the products of
#     one training step per matmul precision / bf16 blocking, interleaved in one process (NT=threads)
# neurite's sources get no -march flag: ISA code is selected at run time, as in the addon.
# OpenBLAS runs with OPENBLAS_CORETYPE=SkylakeX, set for the benchmark process only.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/build-sgemm"  # not build/: the addon build owns (and cleans) that
mkdir -p "$OUT"
cd "$ROOT"
SRCS=$(sed 's#^#'"$ROOT"'/#' native/kernels/gemm_sources.txt)
CXX=${CXX:-g++}
FLAGS="-std=c++17 -O2 -g -Wall -Wextra -pthread"
OB=/usr/lib/x86_64-linux-gnu/openblas-pthread

$CXX $FLAGS $SRCS native/tests/gemm_test.cc -o "$OUT/gemm_test"
$CXX $FLAGS $SRCS bench/native/sgemm_bench.cc -o "$OUT/sgemm_bench" \
  -I/usr/include/x86_64-linux-gnu/openblas-pthread -L$OB -Wl,-rpath,$OB -lopenblas -ldl
$CXX $FLAGS $SRCS bench/native/sgemm_one.cc -o "$OUT/sgemm_one"
$CXX $FLAGS $SRCS bench/native/trans_pair.cc -o "$OUT/trans_pair"
$CXX $FLAGS -Inative/kernels $SRCS bench/native/bf16_bench.cc -o "$OUT/bf16_bench"
$CXX $FLAGS -Inative/kernels $SRCS bench/native/bf16_step.cc -o "$OUT/bf16_step"
$CXX $FLAGS bench/native/peak.cc -o "$OUT/peak"

case "${1:-}" in
  bench) shift; OPENBLAS_CORETYPE=SkylakeX "$OUT/sgemm_bench" "$@" ;;
  peak) "$OUT/peak" ;;
  test)
    "$OUT/gemm_test" | tail -1
    $CXX -std=c++17 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
      -fno-omit-frame-pointer -pthread $SRCS native/tests/gemm_test.cc -o "$OUT/gemm_test_asan"
    "$OUT/gemm_test_asan" | tail -1 ;;
  "") ;;
  *) echo "unknown target $1" >&2; exit 2 ;;
esac
