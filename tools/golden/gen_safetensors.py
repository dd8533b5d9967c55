#!/usr/bin/python3
"""A safetensors file written by PyTorch 1.13, by hand (the safetensors package is not installed).

Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON
{"__metadata__": {...}, "<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
padded with spaces to a multiple of 8, then the raw little-endian tensor data (offsets relative to its start).

Writes into src/test/resources/safetensors/:
  torch_model.safetensors  the state dict of a small trained-ish model (BatchNorm with updated running statistics;
                           num_batches_tracked, an int64 in PyTorch, stored as F32 since simdcnn reads F32 only)
  torch_io.safetensors     an input batch "input" and the eval-mode output "output" of that model

With --check FILE it instead loads a safetensors file written by simdcnn (same model layout) into the PyTorch model
with load_state_dict(strict=True) and prints whether it equals torch_model.safetensors and the output.

Run from the repository root: /usr/bin/python3 tools/golden/gen_safetensors.py
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

DIR = os.path.join("src", "test", "resources", "safetensors")


def model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(18, 3))


def write(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        a = np.array(t.detach().cpu().numpy(), dtype="<f4", order="C")  # keeps 0-d shapes (ascontiguousarray would not)
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode("utf-8")  # default separators: with spaces, as the reference writer's json
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", (name, e["dtype"])
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[b:end], dtype="<f4").reshape(e["shape"]).copy())
    return out


def main():
    os.makedirs(DIR, exist_ok=True)
    torch.manual_seed(2024)
    m = model()
    m.train()
    for _ in range(3):
        m(torch.randn(4, 1, 8, 8))
    m.eval()
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        y = m(x)
    sd = {k: (v.float() if k.endswith("num_batches_tracked") else v) for k, v in m.state_dict().items()}
    write(os.path.join(DIR, "torch_model.safetensors"), sd, {"format": "pt", "source": "torch " + torch.__version__})
    write(os.path.join(DIR, "torch_io.safetensors"), {"input": x, "output": y})
    print("wrote", DIR, list(sd.keys()))


def check(path):
    ref = read(os.path.join(DIR, "torch_model.safetensors"))
    got = read(path)
    m = model()
    m.load_state_dict(got, strict=True)  # num_batches_tracked: float copied into the int64 buffer
    m.eval()
    io = read(os.path.join(DIR, "torch_io.safetensors"))
    with torch.no_grad():
        y = m(io["input"])
    same = all(torch.equal(ref[k], got[k]) for k in ref) and ref.keys() == got.keys()
    print("names:", list(got.keys()))
    print("state dict bitwise equal to torch_model.safetensors:", same)
    print("output equal:", torch.equal(y, io["output"]), "max abs diff", (y - io["output"]).abs().max().item())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        main()
