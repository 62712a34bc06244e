// Prints the C++ sources of the native addon (repo-relative, one per line): the kernels this
// repo owns plus the GEMM sources listed in native/kernels/gemm_sources.txt. Used by
// binding.gyp (`<!@(node scripts/native-sources.cjs)`); CMakeLists.txt reads the same list.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const own = [
  'native/addon/addon.cc',
  'native/kernels/activations.cc',
  'native/kernels/elementwise.cc',
  'native/kernels/indexing.cc',
  'native/kernels/linear.cc',
  'native/kernels/optim.cc',
  'native/kernels/parallel.cc',
  'native/kernels/reduce.cc',
  'native/kernels/simd_isa.cc',
];
const gemm = fs.readFileSync(path.join(root, 'native/kernels/gemm_sources.txt'), 'utf8')
  .split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
const all = [...new Set([...own, ...gemm])];
if (process.argv.includes('--kernels')) process.stdout.write(all.filter((s) => !s.startsWith('native/addon/')).join('\n') + '\n');
else process.stdout.write(all.join('\n') + '\n');
