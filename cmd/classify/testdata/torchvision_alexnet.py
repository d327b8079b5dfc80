"""Makes torchvision's alexnet with random weights from a fixed seed, saves its state dict as
safetensors under torchvision's names, and classifies preprocessed crops with it.

usage: /usr/bin/python3 torchvision_alexnet.py DIR CROPS
  writes DIR/alexnet.safetensors; reads DIR/crops.bin (CROPS x 3 x 224 x 224 little-endian
  float32, the crops netc's classify made of one image); writes DIR/probs.bin (1000 float64,
  the softmax averaged over the crops, in float64 on float32 weights).
"""
import json
import struct
import sys

import numpy as np
import torch
import torchvision


def save_safetensors(path, tensors):
    """The safetensors format: a little-endian u64 header length, a JSON header, the data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    out, crops = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(20121203)
    model = torchvision.models.alexnet(weights=None).eval()
    save_safetensors(f"{out}/alexnet.safetensors", model.state_dict())
    x = np.fromfile(f"{out}/crops.bin", dtype="<f4").reshape(crops, 3, 224, 224)
    with torch.no_grad():
        model = model.double()
        probs = torch.softmax(model(torch.from_numpy(x.astype(np.float64))), dim=1).mean(dim=0)
    probs.numpy().astype("<f8").tofile(f"{out}/probs.bin")


if __name__ == "__main__":
    main()
