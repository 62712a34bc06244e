# PyTorch's side of bench/bf16-train.mjs: MLP train steps (SGD, cross-entropy) in fp32 and
# under CPU bf16 autocast, on the weights and data neurite uses (raw float32 files written by
# the node script). Prints one JSON line.
#   bf16_train.py DIR THREADS time STEPS   -> steps/s per case and mode (wall; _cpu: per CPU-second)
#   bf16_train.py DIR THREADS curve STEPS  -> W3 losses per step, fp32 and autocast
#   bf16_train.py DIR THREADS mm REPS      -> 1024^3 GFLOP/s (median): fp32 mm, mm on bf16
#                                             tensors, mm of fp32 tensors under autocast
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CASES = {"w3": ([784, 512, 512, 10], 128), "mlp1024": ([784, 1024, 1024, 10], 256)}


def load(d, name, shape):
    return torch.from_numpy(np.fromfile("%s/%s.f32" % (d, name), dtype=np.float32).reshape(shape))


def trainer(d, case):
    sizes, batch = CASES[case]
    mods = []
    for l in range(len(sizes) - 1):
        lin = nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():
            lin.weight.copy_(load(d, "%s_w%d" % (case, l), (sizes[l + 1], sizes[l])))
            lin.bias.copy_(load(d, "%s_b%d" % (case, l), (sizes[l + 1],)))
        mods.append(lin)
        if l + 2 < len(sizes):
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods)
    x = load(d, "%s_x" % case, (batch, sizes[0]))
    y = load(d, "%s_y" % case, (batch,)).long()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step(bf16):
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(x)
            loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main():
    d, threads, what, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(threads)
    out = {}
    if what == "time":
        for case in CASES:
            for mode, bf16 in (("fp32", False), ("bf16", True)):
                step = trainer(d, case)
                for _ in range(3):
                    step(bf16)
                c0, t0 = time.thread_time(), time.perf_counter()
                for _ in range(steps):
                    step(bf16)
                out["%s_%s" % (case, mode)] = steps / (time.perf_counter() - t0)
                # steps per CPU-second of this thread (with 1 thread oneDNN runs here): the
                # time other processes take on a shared machine is not counted
                out["%s_%s_cpu" % (case, mode)] = steps / max(time.thread_time() - c0, 1e-9)
    elif what == "mm":
        n = 1024
        a, b = torch.randn(n, n), torch.randn(n, n)
        a16, b16 = a.bfloat16(), b.bfloat16()

        def auto():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return torch.mm(a, b)

        for name, f in (("fp32", lambda: torch.mm(a, b)), ("bf16", lambda: torch.mm(a16, b16)), ("autocast", auto)):
            f()
            ts = []
            for _ in range(steps):
                t0 = time.perf_counter()
                f()
                ts.append(time.perf_counter() - t0)
            out[name] = 2 * n ** 3 / sorted(ts)[len(ts) // 2] / 1e9
    else:
        for mode, bf16 in (("fp32", False), ("bf16", True)):
            step = trainer(d, "w3")
            out[mode] = [step(bf16) for _ in range(steps)]
    print(json.dumps(out))


main()
