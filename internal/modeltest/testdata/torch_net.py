#!/usr/bin/env python3
"""Trains a netc network for two steps in PyTorch, in float64, for modeltest.CheckTorch.

Usage: torch_net.py NET.json

NET.json (written by CheckTorch, next to every file it names) describes the network and the run:

    input, input_shape   the images: a raw float32 file, [n, C, H, W]
    labels               one class per image
    layers               in order: name, op, torch (the layer's PyTorch equivalent as netc
                         writes it: a Python expression over x, the input, w and b, the weight
                         and bias or None, mask, a dropout mask (None here: train=false), F,
                         torch.nn.functional, and torch), loss (true for the softmax loss, which has no expression),
                         in_shape and out_shape (without n), and the names of the weight and bias
                         parameters of a layer that has them
    params               name, shape, file (raw float32), lr_mult and decay_mult: the factors of
                         the learning rate and of the weight decay for this parameter
    rule, momentum, decay, lrs
                         the update rule ("paper" or "pytorch"), μ, λ, and one learning rate per step
    flips                per step, the near ties the netc model took the other way (a float32 model
                         may, where two inputs of a max pool or a ReLU's input and 0 are within its
                         rounding): layer, index (the ReLU's input or the max pool's output) and
                         other (the max-pool input that takes the gradient), flat over the batch;
                         this step takes them the same way

For each step k (from 0) it runs the network forward without dropout (train=false), takes the
mean cross-entropy of the logits, its gradient by autograd, and updates every parameter by hand:

    paper:   v ← μ·v − (d·λ)·(a·lr)·w − (a·lr)·g;   w ← w + v
    pytorch: g' ← g + (d·λ)·w;   v ← μ·v + g';   w ← w − (a·lr)·v

with a and d the parameter's lr_mult and decay_mult and v starting at zero. It writes, as raw
little-endian float64 next to NET.json: stepK.logits, stepK.loss, stepK.grad.I (the gradient of
parameter I before the update) and stepK.weight.I (parameter I after it). A layer whose output
shape is not out_shape is an error naming the layer.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F


def read(directory, name, shape):
    """Reads a raw little-endian float32 file as a float64 tensor of the given shape."""
    with open(os.path.join(directory, name), "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=torch.float32).to(torch.float64).reshape(shape)


def write(directory, name, tensor):
    """Writes a tensor as raw little-endian float64."""
    with open(os.path.join(directory, name), "wb") as f:
        f.write(tensor.detach().to(torch.float64).contiguous().numpy().tobytes())


def layer(x, spec, params, flips):
    """Applies one layer to x by evaluating its torch expression; dropout is the identity
    (train=false: mask is None). An expression may give a tuple (y, indices), as max_pool2d with
    return_indices does.

    flips are the layer's decisions to take the other way in the backward pass, as netc's
    reference does: a ReLU passes the gradient of an input it would block (or blocks one it would
    pass), a max pool routes an output's gradient to another input. The values stay the layer's
    own: y = z + (f(x) − z).detach() has f's values and z's gradient."""
    if not spec["torch"]:
        raise ValueError("%s (%s): netc gives no PyTorch expression" % (spec["name"], spec["op"]))
    w = params.get(spec.get("weight"))
    b = params.get(spec.get("bias"))
    y = eval(spec["torch"], {"F": F, "torch": torch}, {"x": x, "w": w, "b": b, "mask": None})
    indices = None
    if isinstance(y, tuple):
        y, indices = y
    if not flips:
        return y
    op = spec["op"]
    if op == "relu":
        mask = (x > 0).to(x.dtype)
        flat = mask.view(-1)
        for f in flips:
            flat[f["index"]] = 1 - flat[f["index"]]
        z = x * mask
        return z + (y - z).detach()
    if op == "maxpool":
        plane = x.shape[2] * x.shape[3]  # PyTorch's indices count within each image's channel
        indices = indices.clone()
        flat = indices.view(-1)
        for f in flips:
            flat[f["index"]] = f["other"] % plane
        z = x.flatten(2).gather(2, indices.flatten(2)).view_as(y)
        return z + (y - z).detach()
    raise ValueError("%s (%s): no decisions to flip" % (spec["name"], op))


def forward(x, layers, params, flips):
    """Runs the layers up to the softmax loss and returns the logits, checking every shape."""
    for spec in layers:
        if spec["loss"]:
            return x
        x = layer(x, spec, params, [f for f in flips if f["layer"] == spec["name"]])
        want = [x.shape[0]] + spec["out_shape"]
        if list(x.shape) != want:
            raise ValueError("%s (%s): PyTorch's output is %s, netc's %s" % (spec["name"], spec["op"], list(x.shape), want))
    raise ValueError("the network has no softmax layer")


def main():
    if sys.byteorder != "little":
        raise SystemExit("torch_net.py reads and writes little-endian files in the machine's order; this one is big-endian")
    path = sys.argv[1]
    directory = os.path.dirname(path)
    with open(path) as f:
        desc = json.load(f)
    x = read(directory, desc["input"], desc["input_shape"])
    labels = torch.tensor(desc["labels"], dtype=torch.long)
    specs = desc["params"]
    params = {p["name"]: read(directory, p["file"], p["shape"]).requires_grad_() for p in specs}
    velocity = {p["name"]: torch.zeros(p["shape"], dtype=torch.float64) for p in specs}
    mu, decay = desc["momentum"], desc["decay"]

    for k, lr in enumerate(desc["lrs"]):
        logits = forward(x, desc["layers"], params, desc["flips"][k] or [])
        loss = F.cross_entropy(logits, labels)
        grads = torch.autograd.grad(loss, [params[p["name"]] for p in specs])
        write(directory, "step%d.logits" % k, logits)
        write(directory, "step%d.loss" % k, loss.reshape(1))
        with torch.no_grad():
            for i, (p, g) in enumerate(zip(specs, grads)):
                w, v = params[p["name"]], velocity[p["name"]]
                rate, lam = p["lr_mult"] * lr, p["decay_mult"] * decay
                if desc["rule"] == "paper":
                    v.mul_(mu).sub_(lam * rate * w).sub_(rate * g)
                    w.add_(v)
                elif desc["rule"] == "pytorch":
                    v.mul_(mu).add_(g + lam * w)
                    w.sub_(rate * v)
                else:
                    raise ValueError("unknown rule %r" % desc["rule"])
                write(directory, "step%d.grad.%d" % (k, i), g)
                write(directory, "step%d.weight.%d" % (k, i), w)


if __name__ == "__main__":
    main()
