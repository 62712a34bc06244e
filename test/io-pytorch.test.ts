/**
 * A file neurite writes loads in PyTorch (strict load_state_dict) and gives the same outputs.
 * Needs a python3 with torch ($NEURITE_PYTHON, python3 or /usr/bin/python3; Debian: apt-get install
 * python3-torch); without one it says so in one line (SKIPPED, with the reason).
 * The loader below is goldens.py's: numpy over the raw bytes, no safetensors package.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, nn, manualSeed, randn, noGrad, optim, F } from '../lib/index.js';
import { expectClose } from './helpers/goldens.js';
import { describeIfAvailable } from './helpers/requires.js';
import { foreignEnv, torchMissing, torchPython } from './helpers/torch.js';

const PY = torchPython();

const LOADER = `
import json, struct, sys
import numpy as np, torch
NP = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
def load(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        if v["dtype"] == "BF16":
            raw = np.frombuffer(data[8 + n + b:8 + n + e], dtype="<u2").astype(np.uint32) << 16
            t = torch.from_numpy(raw.view(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(data[8 + n + b:8 + n + e], dtype=NP[v["dtype"]]).copy())
        out[k] = t.reshape(v["shape"])
    return header.get("__metadata__", {}), out
meta, sd = load(sys.argv[1])
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32)
m = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.GELU(), torch.nn.Linear(8, 3))
res = m.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}, strict=True)
m.eval()
with torch.no_grad():
    y = m(x)
print(json.dumps({"meta": meta, "out": y.reshape(-1).tolist(), "nbt_dtype": str(sd["1.num_batches_tracked"].dtype),
                  "nbt": int(sd["1.num_batches_tracked"]), "keys": list(sd.keys())}))
`;

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-pt-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeIfAvailable(torchMissing(), 'neurite safetensors files load in PyTorch', () => {
  it.each(['F32', 'F16', 'BF16'] as const)('strict load_state_dict and the same eval outputs (%s)', async (dtype) => {
    manualSeed(7);
    const model = new nn.Sequential(new nn.Linear(5, 8), new nn.BatchNorm1d(8), new nn.GELU(), new nn.Linear(8, 3));
    // one training step so the running statistics and num_batches_tracked are not their defaults
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    F.mseLoss(model.forward(randn([16, 5])), randn([16, 3])).backward();
    opt.step();
    model.eval();
    const path = join(dir, `m-${dtype}.safetensors`);
    await io.saveSafetensors(path, model.stateDict(), { format: 'pt' }, { dtype });
    // compare with the values as stored (F16/BF16 round the weights): reload them into neurite first
    const stored = new nn.Sequential(new nn.Linear(5, 8), new nn.BatchNorm1d(8), new nn.GELU(), new nn.Linear(8, 3)).eval();
    stored.loadStateDict((await io.loadSafetensors(path)).tensors);
    const x = randn([4, 5]);
    const ours = noGrad(() => stored.forward(x));
    const r = spawnSync(PY!, ['-c', LOADER, path, JSON.stringify(x.toArray())], { encoding: 'utf8', env: foreignEnv() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.meta).toEqual({ format: 'pt' });
    expect(got.nbt_dtype).toBe('torch.int64');
    expect(got.nbt).toBe(1);
    expect(got.keys).toEqual(Object.keys(model.stateDict()));
    expectClose(ours.data, got.out, `PyTorch output from the ${dtype} file`, { rel: 1e-5, abs: 1e-5 });
  });
});
