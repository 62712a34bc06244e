// bf16 products (matmul precision 'medium' / 'high'): kernel choice and the driver.
#include <cstring>

#include "cpu.h"
#include "gemm.h"
#include "gemm_internal.h"

namespace neurite {
namespace {

thread_local MatmulPrecision tls_precision = MatmulPrecision::kHighest;

}  // namespace

void set_matmul_precision(MatmulPrecision p) { tls_precision = p; }
MatmulPrecision matmul_precision() { return tls_precision; }

const char* bf16_gemm_isa() {
  const IsaLevel l = isa_level();
  if (l == IsaLevel::kAmx) return "amx";
  // vdpbf16ps runs at half the fp32 FMA rate on Intel (Sapphire Rapids) but about twice it
  // on AMD Zen 4: by default only there.
  if (l == IsaLevel::kAvx512Bf16 && (isa_forced() || cpu_features().amd)) return "avx512bf16";
  return "portable";
}

}  // namespace neurite
