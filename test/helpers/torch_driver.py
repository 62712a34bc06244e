"""PyTorch side of test/torch-diff.test.ts.

Reads {"cases": [...]} as JSON on stdin, runs every case through PyTorch (CPU, float32, one
thread) and writes {"results": [...]} to stdout, one result per case, in order. Float arrays
travel both ways as base64 of little-endian float32 bytes, so -0, NaN, +-Inf and every bit
survive the trip. A case that raises yields {"error": "..."} instead of failing the batch.
"""
import base64
import json
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def dec(s, shape):
    a = np.frombuffer(base64.b64decode(s), dtype='<f4').copy()
    return torch.from_numpy(a).reshape(shape)


def enc(t):
    a = t.detach().to(torch.float32).contiguous().reshape(-1).numpy().astype('<f4')
    return base64.b64encode(a.tobytes()).decode('ascii')


def leaf(c, key, shape_key=None):
    return dec(c[key], c[shape_key or key + 'Shape']).requires_grad_(True)


def grad_of(t):
    return t.grad if t.grad is not None else torch.zeros_like(t)


ACTS = {
    'relu': lambda x, p: F.relu(x),
    'leakyRelu': lambda x, p: F.leaky_relu(x, p),
    'gelu': lambda x, p: F.gelu(x),
    'geluTanh': lambda x, p: F.gelu(x, approximate='tanh'),
    'sigmoid': lambda x, p: torch.sigmoid(x),
    'tanh': lambda x, p: torch.tanh(x),
    'elu': lambda x, p: F.elu(x, p),
    'identity': lambda x, p: x,
}


def both_paths(f, c):
    """An elementwise op on both of PyTorch's paths: the whole tensor (SIMD with Sleef's
    exp/tanh/pow for full blocks of 16) and one element at a time (the scalar loop with
    std::exp/std::tanh/std::pow that tails and small tensors take). Their roundings differ by an
    ulp, which cancellation (elu's exp(x) - 1, 1 - tanh^2) can magnify."""
    x = leaf(c, 'x')
    gy = dec(c['gy'], x.shape)
    y = f(x)
    y.backward(gy)
    ys, gxs = torch.empty_like(y), torch.empty_like(y)
    for i in range(x.numel()):
        xi = x.detach()[i:i + 1].clone().requires_grad_(True)
        yi = f(xi)
        yi.backward(gy[i:i + 1])
        ys[i], gxs[i] = yi.detach()[0], grad_of(xi)[0]
    return {'y': enc(y), 'gx': enc(grad_of(x)), 'yScalar': enc(ys), 'gxScalar': enc(gxs)}


def op_act(c):
    f, p = ACTS[c['name']], c.get('param', 0.0)
    return both_paths(lambda x: f(x, p), c)


def op_unary(c):
    n, p = c['name'], c.get('p')
    if n == 'pow':
        return both_paths(lambda x: torch.pow(x, p), c)
    if n == 'clamp':
        return both_paths(lambda x: torch.clamp(x, p[0], p[1]), c)
    return both_paths(getattr(torch, n), c)


def op_binary(c):
    a, b = leaf(c, 'a'), leaf(c, 'b')
    y = {'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div}[c['name']](a, b)
    y.backward(dec(c['gy'], y.shape))
    return {'y': enc(y), 'ga': enc(grad_of(a)), 'gb': enc(grad_of(b)), 'shape': list(y.shape)}


def op_reduce(c):
    x = leaf(c, 'x')
    n, dim, keep = c['name'], c.get('dim'), c.get('keepDim', False)
    out = {}
    if n in ('sum', 'mean'):
        y = getattr(torch, n)(x) if dim is None else getattr(torch, n)(x, dim, keepdim=keep)
    elif n in ('max', 'min'):
        if dim is None:
            y = getattr(torch, n)(x)
        else:
            y, idx = getattr(torch, n)(x, dim, keepdim=keep)
            out['indices'] = enc(idx.float())
    elif n == 'argmax':
        idx = torch.argmax(x) if dim is None else torch.argmax(x, dim, keepdim=keep)
        return {'indices': enc(idx.float()), 'shape': list(idx.shape)}
    y.backward(dec(c['gy'], y.shape))
    out.update({'y': enc(y), 'gx': enc(grad_of(x)), 'shape': list(y.shape)})
    return out


def op_softmax(c):
    x = leaf(c, 'x')
    y = (F.log_softmax if c['log'] else F.softmax)(x, c['dim'])
    y.backward(dec(c['gy'], y.shape))
    return {'y': enc(y), 'gx': enc(grad_of(x))}


def op_loss(c):
    x = leaf(c, 'x')
    red = c.get('reduction', 'mean')
    n = c['name']
    gt = None
    if n in ('crossEntropy', 'nllLoss'):
        t = torch.tensor(c['target'], dtype=torch.long)
        y = (F.cross_entropy if n == 'crossEntropy' else F.nll_loss)(x, t, reduction=red)
    else:
        gt = leaf(c, 't', 'xShape')
        y = (F.mse_loss if n == 'mseLoss' else F.binary_cross_entropy_with_logits)(x, gt, reduction=red)
    y.backward(dec(c['gy'], y.shape))
    out = {'y': enc(y), 'gx': enc(grad_of(x)), 'shape': list(y.shape)}
    if gt is not None:
        out['gt'] = enc(grad_of(gt))
    return out


def op_matmul(c):
    a, b = leaf(c, 'a'), leaf(c, 'b')
    y = torch.matmul(a, b)
    y.backward(dec(c['gy'], y.shape))
    return {'y': enc(y), 'ga': enc(grad_of(a)), 'gb': enc(grad_of(b))}


def op_linear(c):
    x, w = leaf(c, 'x'), leaf(c, 'w')
    b = leaf(c, 'b') if 'b' in c else None
    y = F.linear(x, w, b)
    y.backward(dec(c['gy'], y.shape))
    out = {'y': enc(y), 'gx': enc(grad_of(x)), 'gw': enc(grad_of(w))}
    if b is not None:
        out['gb'] = enc(grad_of(b))
    return out


def apply_view(t, step):
    """One step of a view chain, as test/helpers/torch-cases-views.ts applies it to neurite."""
    n, a = step[0], step[1:]
    if n == 'T':
        return t.T
    if n == 'mT':
        return t.mT
    if n == 'slice':
        d, s, e, st = a
        idx = [slice(None)] * t.dim()
        idx[d] = slice(s, e, st)
        return t[tuple(idx)]
    if n == 'split':
        return torch.split(t, a[0], a[1])[a[2]]
    if n == 'chunk':
        return torch.chunk(t, a[0], a[1])[a[2]]
    if n == 'permute':  # as a tuple: a 0-d tensor's permutation is empty, and t.permute() raises
        return t.permute(tuple(a))
    return getattr(t, n)(*a)


def view_rebase_chain(name, l, w):
    """A view taken, then its base (or another view of it) written in place, then the view used:
    PyTorch rebuilds the view's history through the in-place op. Returns the loss and the view."""
    if name == 'slice-mul_':
        x = l.clone(); v = x[0:2]; x.mul_(2); return v.sum(), v
    if name == 'old-user-and-new':
        x = l.clone(); v = x[0:2]; y = v * 3; x.mul_(2); return y.sum() + v.sum(), v
    if name == 'transpose-row-mul_':
        x = l.clone().view(2, 3); v = x.T; x[1].mul_(w[0:3]); return (v * v).sum(), v
    if name == 'view-of-view-add_':
        x = l.clone(); v = x[1:4]; v2 = v[0:2]; x.add_(1); return v2.exp().sum(), v2
    if name == 'transpose-add_-other':
        x = l.clone().view(2, 3); v = x.T; x.add_(w.view(2, 3)); return (v * v).sum(), v
    if name == 'step-slice-sibling-mul_':
        x = l.clone(); v = x[0:6:2]; x[1:4].mul_(3); return (v * w[0:3]).sum(), v
    raise ValueError(name)


def op_viewRebase(c):
    l = leaf(c, 'l')
    w = leaf(c, 'w')
    loss, v = view_rebase_chain(c['name'], l, w)
    loss.backward()
    return {'v': enc(v.detach()), 'gl': enc(grad_of(l)), 'gw': enc(grad_of(w)), 'shape': list(v.shape)}


def op_views(c):
    x = leaf(c, 'x')
    y = x
    for s in c['chain']:
        y = apply_view(y, s)
    y.backward(dec(c['gy'], y.shape))
    res = {'y': enc(y), 'shape': list(y.shape), 'stride': list(y.stride()), 'offset': y.storage_offset(),
           'gx': enc(grad_of(x))}
    if c.get('inplace'):
        x2 = leaf(c, 'x')
        h = x2 * 1
        v = h
        for s in c['chain']:
            v = apply_view(v, s)
        try:
            v.mul_(2).add_(1)
        except RuntimeError as e:  # e.g. an output of split/chunk (multiple views) written in place
            res['inplaceError'] = str(e)
            return res
        h.backward(dec(c['gh'], h.shape))
        res.update(h=enc(h), gx2=enc(grad_of(x2)))
    return res


def build(spec):
    t = spec['t']
    if t == 'linear':
        return nn.Linear(spec['i'], spec['o'], bias=spec['bias'])
    if t == 'bn':
        return nn.BatchNorm1d(spec['n'], eps=spec.get('eps', 1e-5), momentum=spec.get('momentum', 0.1))
    if t == 'ln':
        return nn.LayerNorm(spec['shape'], eps=spec.get('eps', 1e-5), elementwise_affine=spec.get('affine', True))
    if t == 'act':
        n, p = spec['name'], spec.get('p')
        return {'relu': lambda: nn.ReLU(), 'leakyRelu': lambda: nn.LeakyReLU(p), 'gelu': lambda: nn.GELU(),
                'geluTanh': lambda: nn.GELU(approximate='tanh'), 'sigmoid': lambda: nn.Sigmoid(),
                'tanh': lambda: nn.Tanh(), 'elu': lambda: nn.ELU(p), 'identity': lambda: nn.Identity()}[n]()
    if t == 'dropout':
        return nn.Dropout(spec['p'])
    if t == 'seq':
        return nn.Sequential(*[build(s) for s in spec['items']])
    if t == 'custom':
        return Custom(spec['attrs'])
    raise ValueError('unknown module spec ' + t)


class Custom(nn.Module):
    """Children applied in declaration order, then every own parameter multiplied in."""

    def __init__(self, attrs):
        super().__init__()
        self.order = []
        for name, spec in attrs:
            if spec['t'] == 'param':
                setattr(self, name, nn.Parameter(torch.ones(spec['shape'])))
            else:
                setattr(self, name, build(spec))
                self.order.append(name)

    def forward(self, x):
        for n in self.order:
            x = getattr(self, n)(x)
        for p in self._parameters.values():
            x = x * p
        return x


def op_keys(c):
    m = build(c['spec'])
    return {'stateDict': [[k, list(v.shape)] for k, v in m.state_dict().items()],
            'params': [k for k, _ in m.named_parameters()]}


def model_steps(c, dtype):
    """Load neurite's state dict, then per step: forward (train or eval), backward, report;
    computed in `dtype` (float32 as neurite, or float64 as the reference for rounding)."""
    m = build(c['spec']).to(dtype)
    sd = {k: dec(v, s).to(dtype) for k, (v, s) in c['stateDict'].items()}
    for k, v in m.state_dict().items():
        if k.endswith('num_batches_tracked'):
            sd[k] = v.new_tensor(int(sd[k].reshape(-1)[0].item()))
    m.load_state_dict(sd)
    steps = []
    for st in c['steps']:
        m.train(st['train'])
        m.zero_grad(set_to_none=True)
        x = dec(st['x'], st['xShape']).to(dtype).requires_grad_(True)
        y = m(x)
        y.backward(dec(st['gy'], y.shape).to(dtype))
        rec = {'y': enc(y), 'gx': enc(grad_of(x)),
               'grads': {k: enc(grad_of(p)) for k, p in m.named_parameters()},
               'state': {k: enc(v.float()) for k, v in m.state_dict().items()}}
        steps.append(rec)
    return steps


def op_model(c):
    """The steps in float32, and in float64 (`steps64`, rounded to float32 on the way out): an
    ill-conditioned step (a BatchNorm feature of near-equal values) is judged by how far each
    side is from it."""
    return {'steps': model_steps(c, torch.float32), 'steps64': model_steps(c, torch.float64)}


def snake(k):
    return ''.join('_' + ch.lower() if ch.isupper() else ch for ch in k)


def kwargs(h):
    return {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in h.items()}


OPTIMS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW,
          'RMSprop': torch.optim.RMSprop, 'Adagrad': torch.optim.Adagrad}


def op_optim(c):
    """Per step: set the gradients (None skips a parameter), set the group learning rates when
    given, step. With groups: [{idx, hyper}] each group gets its parameters and overrides."""
    params = [dec(p, s).requires_grad_(True) for p, s in zip(c['params'], c['shapes'])]
    h = kwargs(c['hyper'])
    if 'groups' in c:
        arg = [dict(params=[params[i] for i in g['idx']], **kwargs(g['hyper'])) for g in c['groups']]
    else:
        arg = params
    opt = OPTIMS[c['name']](arg, **h)
    traj = []
    for t, grads in enumerate(c['grads']):
        for p, g, s in zip(params, grads, c['shapes']):
            p.grad = None if g is None else dec(g, s)
        if 'lrs' in c:
            for grp, lr in zip(opt.param_groups, c['lrs'][t]):
                grp['lr'] = lr
        opt.step()
        traj.append([enc(p) for p in params])
    state = []
    for p in params:
        st = opt.state.get(p, {})
        state.append({k: (float(v) if (not torch.is_tensor(v) or v.dim() == 0) else enc(v))
                      for k, v in st.items() if v is not None})
    sd = opt.state_dict()
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()
               if k not in ('foreach', 'differentiable', 'capturable', 'fused')} for g in sd['param_groups']]
    return {'traj': traj, 'state': state, 'groups': groups}


LS = torch.optim.lr_scheduler
SCHED_NAMES = {'tMax': 'T_max', 't0': 'T_0', 'tMult': 'T_mult'}
LAMBDAS = {'decay': lambda e: 0.95 ** e, 'warm': lambda e: min(1.0, (e + 1) / 10), 'saw': lambda e: 1.0 / (1 + e % 7)}


def build_sched(opt, s):
    k = s['kind']
    a = {SCHED_NAMES.get(n, snake(n)): v for n, v in s.get('args', {}).items()}
    if k == 'LambdaLR':
        return LS.LambdaLR(opt, [LAMBDAS[n] for n in s['lambdas']] if len(s['lambdas']) > 1 else LAMBDAS[s['lambdas'][0]])
    if k == 'SequentialLR':
        return LS.SequentialLR(opt, [build_sched(opt, x) for x in s['subs']], milestones=s['milestones'])
    if k == 'ChainedScheduler':
        return LS.ChainedScheduler([build_sched(opt, x) for x in s['subs']])
    return getattr(LS, k)(opt, **a)


def op_sched(c):
    """Two groups; per step: optimizer step, scheduler step, record each group's lr and
    momentum (or beta1). At resumeAt: both state dicts into a fresh optimizer and scheduler."""
    def make():
        ps = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
        opt = OPTIMS[c['optim']]([{'params': [ps[0]], 'lr': c['lrs'][0]}, {'params': [ps[1]], 'lr': c['lrs'][1]}],
                                 **kwargs(c.get('optArgs', {})))
        return opt, build_sched(opt, c['sched'])
    opt, sch = make()
    lrs, moms = [], []

    def rec():
        lrs.append([g['lr'] for g in opt.param_groups])
        moms.append([g['betas'][0] if 'betas' in g else g.get('momentum', 0) for g in opt.param_groups])
    rec()
    for t in range(c['steps']):
        opt.step()
        if 'metrics' in c:
            sch.step(c['metrics'][t])
        else:
            sch.step()
        rec()
        # 1.13's CyclicLR.load_state_dict loses the scale function ('NoneType' is not callable):
        # PyTorch runs on uninterrupted there, neurite still resumes
        if t + 1 == c.get('resumeAt') and c['sched']['kind'] != 'CyclicLR':
            osd, ssd = opt.state_dict(), sch.state_dict()
            opt, sch = make()
            opt.load_state_dict(osd)
            sch.load_state_dict(ssd)
    return {'lrs': lrs, 'moms': moms}


def op_clip(c):
    params = [dec(p, s).requires_grad_(True) for p, s in zip(c['params'], c['shapes'])]
    for p, g, s in zip(params, c['grads'], c['shapes']):
        p.grad = None if g is None else dec(g, s)
    nt = c['normType']
    nt = math.inf if nt == 'inf' else nt
    if c['kind'] == 'value':
        torch.nn.utils.clip_grad_value_(params, c['max'])
        total = None
    else:
        total = torch.nn.utils.clip_grad_norm_(params, c['max'], nt, error_if_nonfinite=c.get('errorIfNonfinite', False))
    return {'grads': [enc(grad_of(p)) for p in params], 'total': None if total is None else enc(total.reshape(1))}


def op_embedding(c):
    w = leaf(c, 'w')
    idx = torch.tensor(c['idx'], dtype=torch.long).reshape(c['idxShape'])
    o = c['opts']
    y = F.embedding(idx, w, padding_idx=o.get('paddingIdx'), max_norm=o.get('maxNorm'), norm_type=o.get('normType', 2.0),
                    scale_grad_by_freq=o.get('scaleGradByFreq', False))
    y.backward(dec(c['gy'], y.shape))
    return {'y': enc(y), 'gw': enc(grad_of(w)), 'w': enc(w), 'shape': list(y.shape)}


LOSS2 = {'crossEntropy': F.cross_entropy, 'nllLoss': F.nll_loss, 'mseLoss': F.mse_loss, 'l1Loss': F.l1_loss,
         'smoothL1Loss': F.smooth_l1_loss, 'huberLoss': F.huber_loss, 'binaryCrossEntropy': F.binary_cross_entropy,
         'binaryCrossEntropyWithLogits': F.binary_cross_entropy_with_logits, 'klDiv': F.kl_div}


def op_loss2(c):
    """Every loss option: weight / posWeight tensors, ignoreIndex, labelSmoothing, beta, delta, logTarget, reduction."""
    x = leaf(c, 'x')
    kw = {}
    for k, v in c.get('opts', {}).items():
        kw[snake(k)] = dec(v['data'], v['shape']) if isinstance(v, dict) else v
    if c['targetKind'] == 'index':
        t = torch.tensor(c['target'], dtype=torch.long).reshape(c['tShape'])
    else:
        t = dec(c['t'], c['xShape']).requires_grad_(c.get('tGrad', False))
    y = LOSS2[c['name']](x, t, **kw)
    y.backward(dec(c['gy'], y.shape))
    out = {'y': enc(y), 'gx': enc(grad_of(x)), 'shape': list(y.shape)}
    if c['targetKind'] != 'index' and c.get('tGrad'):
        out['gt'] = enc(grad_of(t))
    return out


def op_init(c):
    t = torch.empty(c['shape'])
    n, o = c['name'], c.get('opts', {})
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(t)
    expect = {}
    if n in ('kaimingUniform', 'kaimingNormal'):
        mode, nl, a = o.get('mode', 'fan_in'), o.get('nonlinearity', 'leaky_relu'), o.get('a', 0)
        std = nn.init.calculate_gain(nl, a) / math.sqrt(nn.init._calculate_correct_fan(t, mode))
        if n == 'kaimingUniform':
            nn.init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nl)
            expect['bound'] = math.sqrt(3.0) * std
        else:
            nn.init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nl)
        expect['std'] = std
    elif n in ('xavierUniform', 'xavierNormal'):
        g = o.get('gain', 1.0)
        std = g * math.sqrt(2.0 / float(fan_in + fan_out))
        if n == 'xavierUniform':
            nn.init.xavier_uniform_(t, gain=g)
            expect['bound'] = math.sqrt(3.0) * std
        else:
            nn.init.xavier_normal_(t, gain=g)
        expect['std'] = std
    elif n == 'truncNormal':
        nn.init.trunc_normal_(t, mean=o['mean'], std=o['std'], a=o['a'], b=o['b'])
    elif n == 'orthogonal':
        nn.init.orthogonal_(t, gain=o['gain'])
        m = t.reshape(t.shape[0], -1)
        expect['gram'] = enc(m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m)
    # PyTorch's formula (std, bound) and, separately, statistics of PyTorch's own samples
    return {'sampleStd': float(t.std()), 'sampleMean': float(t.mean()), 'sampleMaxAbs': float(t.abs().max()),
            'sampleMin': float(t.min()), 'sampleMax': float(t.max()), **expect}


def op_gain(c):
    return {'gain': nn.init.calculate_gain(c['nonlinearity'], c.get('param'))}


def op_dropout(c):
    torch.manual_seed(c['seed'])
    x = torch.ones(c['n'], requires_grad=True)
    y = F.dropout(x, c['p'], training=True)
    y.backward(torch.ones_like(y))
    kept = y[y != 0]
    return {'scale': enc(kept[:1]) if kept.numel() else None, 'kept': int(kept.numel()),
            'gradMatches': bool(torch.equal(x.grad, y.detach()))}


# tensor ops called by name: f(inputs, args) with the inputs decoded as the case says (float,
# long indices, bool masks) and args the case's JSON arguments
CALLS = {
    'eq': lambda t, a: torch.eq(t[0], t[1] if len(t) > 1 else a['other']),
    'ne': lambda t, a: torch.ne(t[0], t[1] if len(t) > 1 else a['other']),
    'lt': lambda t, a: torch.lt(t[0], t[1] if len(t) > 1 else a['other']),
    'le': lambda t, a: torch.le(t[0], t[1] if len(t) > 1 else a['other']),
    'gt': lambda t, a: torch.gt(t[0], t[1] if len(t) > 1 else a['other']),
    'ge': lambda t, a: torch.ge(t[0], t[1] if len(t) > 1 else a['other']),
    'indexSelect': lambda t, a: torch.index_select(t[0], a['dim'], t[1]),
    'gather': lambda t, a: torch.gather(t[0], a['dim'], t[1]),
    'scatter': lambda t, a: torch.scatter(t[0], a['dim'], t[1], t[2] if len(t) > 2 else a['value']),
    'scatterAdd': lambda t, a: torch.scatter_add(t[0], a['dim'], t[1], t[2]),
    'scatterReduce': lambda t, a: torch.scatter_reduce(t[0], a['dim'], t[1], t[2], a['reduce'], include_self=a['includeSelf']),
    'scatterReduceArg': lambda t, a: torch.scatter(t[0], a['dim'], t[1], t[2] if len(t) > 2 else a['value'], reduce=a['reduce']),
    'nonzero': lambda t, a: torch.nonzero(t[0]),
    'whereCond': lambda t, a: torch.stack(torch.where(t[0]), 0),
    'maskedFill': lambda t, a: torch.masked_fill(t[0], t[1], t[2] if len(t) > 2 else a['value']),
    'where': lambda t, a: torch.where(t[0], t[1] if 'a' not in a else a['a'], t[-1] if 'b' not in a else a['b']),
    'cat': lambda t, a: torch.cat(t, a['dim']),
    'stack': lambda t, a: torch.stack(t, a['dim']),
    'repeat': lambda t, a: t[0].repeat(*a['sizes']),
    'clone': lambda t, a: torch.clone(t[0]),
    'var': lambda t, a: torch.var(t[0], **a),
    'std': lambda t, a: torch.std(t[0], **a),
    'sum': lambda t, a: torch.sum(t[0], a['dim'], keepdim=a['keepdim']),
    'mean': lambda t, a: torch.mean(t[0], a['dim'], keepdim=a['keepdim']),
    'sort': lambda t, a: torch.sort(t[0], **a),
    'argsort': lambda t, a: torch.argsort(t[0], **a),
    'topk': lambda t, a: torch.topk(t[0], **a),
    'cumsum': lambda t, a: torch.cumsum(t[0], a['dim']),
    'argmin': lambda t, a: torch.argmin(t[0], **a),
}


def num_args(a):
    """JSON cannot carry NaN, +-Inf or -0: numbers arrive as {"f32": base64} and are decoded here."""
    if isinstance(a, dict):
        if set(a) == {'f32'}:
            return float(dec(a['f32'], [1])[0])
        return {k: num_args(v) for k, v in a.items()}
    return a


def op_call(c):
    """A tensor op by name (CALLS): its result (values and indices for tuples, as float32),
    shape, and the gradient of every input marked `grad` given d(result) = gy."""
    ins = []
    for a in c['inputs']:
        t = dec(a['data'], a['shape'])
        kind = a.get('kind', 'float')
        if kind == 'long':
            t = t.long()
        elif kind == 'bool':
            t = t != 0
        elif a.get('grad'):
            t.requires_grad_(True)
        ins.append(t)
    y = CALLS[c['name']](ins, num_args(c.get('args', {})))
    out = {}
    if isinstance(y, tuple):
        out['indices'] = enc(y[1].float())
        y = y[0]
    out['shape'] = list(y.shape)
    out['y'] = enc(y.float())
    if y.requires_grad:
        y.backward(dec(c['gy'], y.shape))
        out['grads'] = [enc(grad_of(t)) for t in ins if t.requires_grad]
    return out


OPS = {k[3:]: v for k, v in globals().items() if k.startswith('op_')}


def main():
    cases = json.load(sys.stdin)['cases']
    results = []
    for c in cases:
        try:
            results.append(OPS[c['op']](c))
        except Exception as e:  # reported per case; the JS side fails that case with this text
            results.append({'error': '%s: %s' % (type(e).__name__, e)})
    json.dump({'torch': torch.__version__, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
