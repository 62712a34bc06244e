// neurite as a comparison side (NEURITE_BACKEND / NEURITE_NUM_THREADS set by the parent).
import { serve } from './serve.mjs';
import { setupCase, nt } from '../lib/neurite-cases.mjs';

serve(() => ({ name: `neurite ${nt.backend()}`, version: process.env.npm_package_version ?? '' }),
  (id, d) => setupCase(id, d));
