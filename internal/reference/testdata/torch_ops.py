#!/usr/bin/env python3
"""Runs netc networks in PyTorch, in float64, for torch_test.go to compare the reference with.

Usage: torch_ops.py MANIFEST.json

The manifest (written by torch_test.go) lists networks. Each gives labels and its layers in
order; each layer names its op, its configuration, its input file and shape [n, C, H, W] (or
[n, features]), its parameter files and the file to write its output to. A layer's input is the
reference's output of the layer before, so that every layer is compared on its own; the loss is
the cross-entropy of the softmax layer's input. Files are raw little-endian: float32 for inputs,
parameters and masks, float64 for outputs; everything is computed in float64.

Each layer's backward pass is run too, by autograd: from the gradient of its output in the file
out_grad (float32), or, for the softmax layer, from the cross-entropy loss, the script writes the
gradients of the layer's input, weight and bias to its output file's name + ".dx", ".dw" and ".db"
(float64).

Besides the outputs, the script writes results.json next to the manifest: the output shape of
every layer of every network, to check the shapes the compiler gave against PyTorch's.
"""

import json
import os
import struct
import sys

import torch
import torch.nn.functional as F


def read(directory, name, shape):
    """Reads a raw little-endian float32 file as a float64 tensor of the given shape."""
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    values = struct.unpack("<%df" % (len(data) // 4), data)
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


def write(directory, name, tensor):
    """Writes a tensor as raw little-endian float64."""
    values = tensor.detach().contiguous().reshape(-1).tolist()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(struct.pack("<%dd" % len(values), *values))


def layer(directory, x, spec, w, b):
    """Applies one layer to x, in PyTorch's own terms, with its weight w and bias b if it has them."""
    op = spec["op"]
    if op == "conv":
        return F.conv2d(x, w, b, stride=spec["stride"], padding=spec["padding"], groups=spec["groups"])
    if op == "fc":
        return F.linear(torch.flatten(x, 1), w, b)
    if op == "relu":
        return F.relu(x)
    if op == "lrn":
        # PyTorch divides alpha by size; the paper does not, so it needs alpha·size here.
        alpha = spec["alpha"] * spec["size"] if spec["paper"] else spec["alpha"]
        return F.local_response_norm(x, spec["size"], alpha=alpha, beta=spec["beta"], k=spec["k"])
    if op == "maxpool":
        return F.max_pool2d(x, spec["kernel"], spec["stride"], spec["padding"], ceil_mode=spec["ceil"])
    if op == "avgpool":
        return F.avg_pool2d(x, spec["kernel"], spec["stride"], spec["padding"], ceil_mode=spec["ceil"],
                            count_include_pad=True)
    if op == "adaptive_avgpool":
        return F.adaptive_avg_pool2d(x, spec["out_size"])
    if op == "dropout":
        if not spec.get("mask"):
            return x
        return x * read(directory, spec["mask"], list(x.shape))
    if op == "flatten":
        return torch.flatten(x, 1)
    if op == "softmax":
        return F.softmax(x, dim=1)
    raise ValueError("unknown op %r" % op)


def main():
    manifest_path = sys.argv[1]
    directory = os.path.dirname(manifest_path)
    with open(manifest_path) as f:
        manifest = json.load(f)
    results = {}
    for net in manifest["networks"]:
        shapes = {}
        for spec in net["layers"]:
            x = read(directory, spec["input"], spec["input_shape"]).requires_grad_()
            w = b = None
            if spec.get("weight"):
                w = read(directory, spec["weight"], spec["weight_shape"]).requires_grad_()
            if spec.get("bias"):
                b = read(directory, spec["bias"], [spec["weight_shape"][0]]).requires_grad_()
            y = layer(directory, x, spec, w, b)
            write(directory, spec["out"], y)
            shapes[spec["name"]] = list(y.shape)
            if spec["op"] == "softmax":
                loss = F.cross_entropy(x, torch.tensor(net["labels"], dtype=torch.long))
                write(directory, net["loss"], loss.reshape(1))
                y, dy = loss, None
            else:
                dy = read(directory, spec["out_grad"], list(y.shape))
            inputs = {".dx": x, ".dw": w, ".db": b}
            inputs = {suffix: t for suffix, t in inputs.items() if t is not None}
            for suffix, g in zip(inputs, torch.autograd.grad(y, list(inputs.values()), dy)):
                write(directory, spec["out"] + suffix, g)
        results[net["name"]] = shapes
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
