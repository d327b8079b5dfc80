#!/usr/bin/env python3
"""Runs netc networks in PyTorch, in float64, for torch_test.go to compare the reference with.

Usage: torch_ops.py MANIFEST.json

The manifest (written by torch_test.go) lists networks. Each gives labels and its layers in
order; each layer gives its name, its op, torch (its PyTorch equivalent as netc writes it: a Python
expression over x, the input, w and b, the weight and bias or None, mask, the dropout mask or None,
F, torch.nn.functional, and torch), loss (true for the softmax loss, which has no torch
expression), its input file and shape [n, C, H, W] (or [n, features]), its parameter and mask
files and the file to write its output to. A layer's input is the reference's output of the layer
before, so that every layer is compared on its own; the loss is the cross-entropy of the softmax
layer's input, and its output the softmax. Files are raw little-endian: float32 for inputs,
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
    """Applies one layer to x by evaluating its torch expression, with its weight w and bias b if it
    has them and its mask if it has one. An expression may give a tuple, as max_pool2d with
    return_indices does: its first element is the output."""
    if spec["loss"]:
        return F.softmax(x, dim=1)
    if not spec["torch"]:
        raise ValueError("%s (%s): netc gives no PyTorch expression" % (spec["name"], spec["op"]))
    mask = read(directory, spec["mask"], list(x.shape)) if spec.get("mask") else None
    y = eval(spec["torch"], {"F": F, "torch": torch}, {"x": x, "w": w, "b": b, "mask": mask})
    return y[0] if isinstance(y, tuple) else y


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
            if spec["loss"]:
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
