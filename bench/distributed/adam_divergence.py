# Issue 14, "W3 Adam": does PyTorch 1.13 DDP (Gloo) at N ranks x batch B/N drift from one PyTorch
# process at batch B as far as neurite does (7e-5 x max|param| at N = 2, 1.4e-2 at N = 4 after 20
# steps)? The setup of test/distributed/train-rank.mjs: W3 (784-512-512-10, ReLU, cross-entropy),
# a fresh randn batch of B = 64 rows per step, targets (i*7 + step) % 10, rank r takes rows r, r+N, ...,
# Adam lr 1e-3 (and SGD lr 0.05 momentum 0.9 for contrast), one thread per process.
# Prints, per optimizer and N, max|param - param_1proc| / max|param| after 20 and 50 steps, and how many
# first-step gradient entries are tiny but not zero (|g| < 1e-7), where Adam's g / (sqrt(v) + eps)
# turns rounding into a full step of lr (eps = 1e-8).
#   /usr/bin/python3 bench/distributed/adam_divergence.py            (seed 0, SGD and Adam, 20 and 50 steps)
#   /usr/bin/python3 bench/distributed/adam_divergence.py --seeds 6  (Adam, 20 steps, seeds 0..5)
import os, sys, tempfile, json
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

B, STEPS = 64, [20, 50]

SEED = [0]

def model_and_opt(opt_name):
    torch.manual_seed(1234 + SEED[0])
    m = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    return m

def batches():
    g = torch.Generator().manual_seed(99 + SEED[0])
    for s in range(max(STEPS)):
        yield torch.randn(B, 784, generator=g), torch.tensor([(i * 7 + s) % 10 for i in range(B)])

def train(rank, world, opt_name, out, init_file, seed=0):
    SEED[0] = seed
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group('gloo', init_method='file://' + init_file, rank=rank, world_size=world)
    m = model_and_opt(opt_name)
    net = DDP(m) if world > 1 else m
    opt = torch.optim.Adam(net.parameters(), lr=1e-3) if opt_name == 'adam' else torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    snaps, tiny = {}, None
    for s, (x, y) in enumerate(batches()):
        xr, yr = x[rank::world], y[rank::world]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xr), yr).backward()
        if s == 0:
            g = torch.cat([p.grad.flatten() for p in m.parameters()])
            tiny = int(((g.abs() < 1e-7) & (g != 0)).sum())
        opt.step()
        if s + 1 in STEPS:
            snaps[s + 1] = torch.cat([p.detach().flatten() for p in m.parameters()]).tolist()
    if rank == 0:
        with open(out, 'w') as f:
            json.dump({'snaps': snaps, 'tiny': tiny}, f)
    if world > 1:
        dist.destroy_process_group()

def run(world, opt_name, seed=0):
    d = tempfile.mkdtemp()
    out = os.path.join(d, 'o.json')
    if world == 1:
        train(0, 1, opt_name, out, None, seed)
    else:
        mp.spawn(train, args=(world, opt_name, out, os.path.join(d, 'init'), seed), nprocs=world, join=True)
    with open(out) as f:
        return json.load(f)

def seeds(n):
    # Adam only, 20 steps, data and init seeds 0..n-1: how often rounding becomes a full lr-sized step
    STEPS[:] = [20]
    for seed in range(n):
        ref = run(1, 'adam', seed)
        out = []
        for world in [2, 4]:
            a, b = torch.tensor(ref['snaps']['20']), torch.tensor(run(world, 'adam', seed)['snaps']['20'])
            out.append(f'N={world} {float((a - b).abs().max() / a.abs().max()):.2e}')
        print(f'adam seed {seed}: after 20 steps, max|param - 1 process| / max|param|: {", ".join(out)}')
        sys.stdout.flush()

if __name__ == '__main__' and len(sys.argv) > 2 and sys.argv[1] == '--seeds':
    seeds(int(sys.argv[2]))
elif __name__ == '__main__':
    print(f'torch {torch.__version__}, gloo {dist.is_gloo_available()}, W3, B = {B}, per-rank batch B/N')
    for opt_name in ['sgd', 'adam']:
        ref = run(1, opt_name)
        for world in [2, 4]:
            r = run(world, opt_name)
            rel = []
            for s in STEPS:
                a, b = torch.tensor(ref['snaps'][str(s)]), torch.tensor(r['snaps'][str(s)])
                rel.append(f'{s} steps {float((a - b).abs().max() / a.abs().max()):.2e}')
            print(f'{opt_name} N={world}: max|param - 1 process| / max|param|: {", ".join(rel)}; step-1 gradient entries 0 < |g| < 1e-7: {ref["tiny"]} (1 process), {r["tiny"]} (rank 0, after the all-reduce)')
        sys.stdout.flush()
