"""Builds the ONNX models of W1 and W2 for onnxruntime-node from the workloads' weight files.

Usage: python3 make_onnx.py DATA_DIR W1|W2  (writes DATA_DIR/W1.onnx or DATA_DIR/W2.onnx). Uses the
`onnx` package's helpers (Debian python3-onnx); GELU (erf) is spelled out as PyTorch exports it
at opset 13, and onnxruntime fuses it back.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

d = sys.argv[1]
which = sys.argv[2]


def f32(key, name, shape):
    return np.fromfile(os.path.join(d, "%s.%s.f32" % (key, name)), dtype=np.float32).reshape(shape)


def linear(nodes, inits, x, w, b, name):
    # x·Wᵀ + b as MatMul with the stored transpose, as torch.onnx emits it for N-D input
    inits.append(numpy_helper.from_array(np.ascontiguousarray(w.T), name + "_wt"))
    inits.append(numpy_helper.from_array(b, name + "_b"))
    nodes.append(helper.make_node("MatMul", [x, name + "_wt"], [name + "_mm"]))
    nodes.append(helper.make_node("Add", [name + "_mm", name + "_b"], [name]))
    return name


def save(key, nodes, inits, in_shape, out_shape, out):
    g = helper.make_graph(nodes, key, [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, key + ".onnx"))


def w1():
    """10 -> 64 -> 64 -> 1, ReLU"""
    nodes, inits = [], []
    sizes = [10, 64, 64, 1]
    h = "x"
    for l in range(3):
        h = linear(nodes, inits, h, f32("W1", "w%d" % (l + 1), (sizes[l + 1], sizes[l])), f32("W1", "b%d" % (l + 1), (sizes[l + 1],)), "fc%d" % (l + 1))
        if l < 2:
            nodes.append(helper.make_node("Relu", [h], [h + "_relu"]))
            h = h + "_relu"
    save("W1", nodes, inits, [32, 10], [32, 1], h)


def w2():
    """512 -> 2048 (GELU erf) -> 512 on (8, 64, 512)"""
    nodes, inits = [], []
    h = linear(nodes, inits, "x", f32("W2", "w1", (2048, 512)), f32("W2", "b1", (2048,)), "fc1")
    for name, v in (("sqrt2", np.sqrt(2.0)), ("one", 1.0), ("half", 0.5)):
        inits.append(numpy_helper.from_array(np.array(v, dtype=np.float32), name))
    nodes += [
        helper.make_node("Div", [h, "sqrt2"], ["g_div"]),
        helper.make_node("Erf", ["g_div"], ["g_erf"]),
        helper.make_node("Add", ["g_erf", "one"], ["g_add"]),
        helper.make_node("Mul", [h, "g_add"], ["g_mul"]),
        helper.make_node("Mul", ["g_mul", "half"], ["g"]),
    ]
    h = linear(nodes, inits, "g", f32("W2", "w2", (512, 2048)), f32("W2", "b2", (512,)), "fc2")
    save("W2", nodes, inits, [8, 64, 512], [8, 64, 512], h)


{"W1": w1, "W2": w2}[which]()
