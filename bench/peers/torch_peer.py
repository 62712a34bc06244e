"""PyTorch as a comparison side (the peer protocol of bench/peers/serve.mjs, in Python).

Run by bench/compare.mjs as `python3 torch_peer.py THREADS`; the BLAS setting (e.g.
OPENBLAS_CORETYPE=SkylakeX) is put in this process's environment only, by the parent.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.set_grad_enabled(True)

MLPS = {"seed": [10, 64, 64, 1], "w3": [784, 512, 512, 10]}
ACT = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "elu": F.elu,
}
W6 = {"W6_%d" % n: (n, n, n) for n in (64, 128, 256, 512, 1024, 2048)}
W6.update({"W6_128x784x512": (128, 512, 784), "W6_512x512x2048": (512, 2048, 512), "W6_32x10x64": (32, 64, 10)})


def key(cid):
    cid = cid[:-5] if cid.endswith("_bf16") else cid
    return "W3" if cid.startswith("W3") else "W5" if cid.startswith("W5") else cid


def load(d, cid, names):
    return {n: torch.from_numpy(np.fromfile(os.path.join(d, "%s.%s.f32" % (key(cid), n)), dtype=np.float32)) for n in names}


def mlp(sizes, d, act=nn.ReLU):
    mods = []
    for l in range(len(sizes) - 1):
        lin = nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():
            lin.weight.copy_(d["w%d" % (l + 1)].view(sizes[l + 1], sizes[l]))
            lin.bias.copy_(d["b%d" % (l + 1)])
        mods.append(lin)
        if l + 2 < len(sizes):
            mods.append(act())
    return nn.Sequential(*mods)


def trainer(cid, d):
    w3 = cid.startswith("W3")
    model = mlp(MLPS["w3" if w3 else "seed"], d)
    x = d["x"].view(128, 784) if w3 else d["x"].view(32, 10)
    y = d["y"].long() if w3 else d["y"].view(32, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3) if cid == "W3_adam" else torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        out = model(x)
        loss = F.cross_entropy(out, y) if w3 else F.mse_loss(out, y)
        loss.backward()
        opt.step()
        return loss

    return model, step


def setup(cid, d):
    if cid.endswith("_bf16"):  # bf16 rows: W6 on bf16 tensors, the others under CPU autocast
        base = cid[:-5]
        if base in W6:
            M, N, K = W6[base]
            a, b = d["a"].view(M, K).bfloat16(), d["b"].view(K, N).bfloat16()

            def mm16():
                return torch.mm(a, b)

            return mm16, lambda: mm16().float().reshape(-1)
        s = setup(base, d)
        if s is None:
            return None
        fn, res = s

        def auto(f):
            def g():
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return f()
            return g

        return auto(fn), auto(res)
    if cid in ("W1", "W2"):
        model = mlp(MLPS["seed"], d) if cid == "W1" else mlp([512, 2048, 512], d, nn.GELU)
        model.eval()
        x = d["x"].view(32, 10) if cid == "W1" else d["x"].view(8, 64, 512)

        def fn():
            with torch.no_grad():
                return model(x)

        return fn, lambda: fn().reshape(-1)
    if cid.startswith("W3") or cid == "W4":
        _, step = trainer(cid, d)

        def result():
            model, st = trainer(cid, d)
            wl, bl = list(model.parameters())[-2:]
            w0, b0 = wl.detach().clone(), bl.detach().clone()
            l0, l1 = st().item(), st().item()
            return torch.cat([torch.tensor([l0, l1]), (wl.detach() - w0).reshape(-1), bl.detach() - b0])

        return step, result
    if cid.startswith("W5"):
        _, rest = cid.split("_", 1)
        act_name, mode = rest.rsplit("_", 1)
        act = ACT[act_name]
        x = d["x"]
        if mode == "fwd":
            return (lambda: act(x)), (lambda: act(x)[:65536])
        xg = x.clone().requires_grad_(True)
        g = torch.ones_like(x)

        def fb():
            xg.grad = None
            act(xg).backward(g)

        def res():
            fb()
            return xg.grad[:65536]

        return fb, res
    if cid in W6:
        M, N, K = W6[cid]
        a, b = d["a"].view(M, K), d["b"].view(K, N)
        c = torch.empty(M, N)

        def mm():
            torch.mm(a, b, out=c)

        return mm, lambda: (mm(), c.reshape(-1))[1]
    return None


def main():
    cases = {}
    for line in sys.stdin:
        m = json.loads(line)
        try:
            op = m["op"]
            if op == "info":
                torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS
                with open("/proc/self/maps") as f:
                    libs = sorted({l.split()[-1] for l in f if "blas" in l.lower() and "/" in l})
                blas = ", ".join(os.path.realpath(p).split("/")[-2] + "/" + os.path.basename(p) for p in libs) or "?"
                r = {"name": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
                     "blas": blas, "coretype": os.environ.get("OPENBLAS_CORETYPE", "default")}
            elif op == "setup":
                s = setup(m["id"], load(m["dir"], m["id"], m["names"]))
                if s is None:
                    r = {"skip": "not measured for pytorch"}
                else:
                    cases[m["id"]] = s
                    r = {"ok": True}
            elif op == "time":
                fn = cases[m["id"]][0]
                t0 = time.perf_counter()
                for _ in range(m["iters"]):
                    fn()
                r = {"sec": time.perf_counter() - t0}
            elif op == "result":
                out = cases[m["id"]][1]()
                out.detach().to(torch.float32).contiguous().numpy().tofile(m["path"])
                r = {"ok": True}
            elif op == "drop":
                cases.pop(m["id"], None)
                r = {"ok": True}
            else:
                r = {"error": "unknown op " + op}
        except Exception as e:  # reported to the parent, which marks the case failed
            r = {"error": repr(e)}
        sys.stdout.write("@@" + json.dumps(r) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
