#!/usr/bin/python3
"""bench/torch_train.py -- train PyTorch (Debian python3-torch) on the data
`kantor train --export-data FILE` wrote, with the same network and training
step as kantor's trainer (nn/train/train.c), and print seconds per epoch.

Network: multi-hot input (a sum of the active rows: EmbeddingBag, mode sum,
plus a bias), ReLU + dropout after each hidden layer, a linear output split
into softmax heads.  Loss: per example the mean over the heads that have a
target of the cross-entropy, averaged over the batch.  Adam (0.9, 0.999,
1e-8), the file's lr, batch and dropout; examples shuffled every epoch.

usage: torch_train.py FILE [--epochs N] [--threads N] [--seed N]
Prints one line per epoch and a last line `JSON {...}` with torch_epoch_s
(median wall), torch_epoch_min_s, torch_epoch_cpu_s (median process CPU
time) and the per-epoch list.  Reports only.
"""
import argparse
import json
import struct
import sys
import time
import zlib

import numpy as np
import torch


def load(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != b"KTTRAIN1":
        sys.exit(f"{path}: byte 0: not a kantor training-data file")
    if zlib.crc32(buf[:-4]) != struct.unpack_from("<I", buf, len(buf) - 4)[0]:
        sys.exit(f"{path}: CRC mismatch")
    off = 8

    def u32():
        nonlocal off
        v = struct.unpack_from("<I", buf, off)[0]
        off += 4
        return v

    version = u32()
    if version != 1:
        sys.exit(f"{path}: byte 8: version {version}, this script reads 1")
    d = {"n_in": u32()}
    d["hidden"] = [u32() for _ in range(u32())]
    d["heads"] = [u32() for _ in range(u32())]
    d["batch"] = u32()
    d["lr"], d["dropout"] = struct.unpack_from("<ff", buf, off)
    off += 8
    n_ex, n_idx = u32(), u32()
    arr = np.frombuffer(buf, dtype="<i4", offset=off,
                        count=n_ex + n_idx + n_ex * len(d["heads"]))
    d["cnt"] = arr[:n_ex].astype(np.int64)
    d["idx"] = arr[n_ex:n_ex + n_idx].astype(np.int64)
    d["tgt"] = arr[n_ex + n_idx:].astype(np.int64).reshape(n_ex,
                                                           len(d["heads"]))
    return d


class Net(torch.nn.Module):
    def __init__(self, n_in, hidden, n_out, dropout):
        super().__init__()
        self.emb = torch.nn.EmbeddingBag(n_in, hidden[0], mode="sum")
        self.bias0 = torch.nn.Parameter(torch.zeros(hidden[0]))
        sizes = list(hidden) + [n_out]
        self.lin = torch.nn.ModuleList(
            torch.nn.Linear(sizes[i], sizes[i + 1])
            for i in range(len(sizes) - 1))
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, idx, offsets):
        x = self.drop(torch.relu(self.emb(idx, offsets) + self.bias0))
        for i, lin in enumerate(self.lin):
            x = lin(x)
            if i < len(self.lin) - 1:
                x = self.drop(torch.relu(x))
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    d = load(a.file)
    heads = d["heads"]
    net = Net(d["n_in"], d["hidden"], sum(heads), d["dropout"])
    opt = torch.optim.Adam(net.parameters(), lr=d["lr"], betas=(0.9, 0.999),
                           eps=1e-8)
    cnt = torch.from_numpy(d["cnt"])
    starts = torch.cumsum(cnt, 0) - cnt
    idx = torch.from_numpy(d["idx"])
    tgt = torch.from_numpy(d["tgt"])
    n_ex, B = len(cnt), d["batch"]
    bounds = np.cumsum([0] + heads)
    gen = torch.Generator().manual_seed(a.seed)
    times, cpu = [], []
    net.train()
    for ep in range(a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        order = torch.randperm(n_ex, generator=gen)
        total = 0.0
        for b0 in range(0, n_ex, B):
            ex = order[b0:b0 + B]
            c = cnt[ex]
            # the batch's active inputs, example after example
            rows = torch.repeat_interleave(starts[ex], c) + (
                torch.arange(int(c.sum())) -
                torch.repeat_interleave(torch.cumsum(c, 0) - c, c))
            bi = idx[rows]
            offs = torch.cumsum(c, 0) - c
            z = net(bi, offs)
            t = tgt[ex]
            valid = (t >= 0).sum(1).clamp(min=1).float()
            loss = 0
            for h in range(len(heads)):
                zh = z[:, bounds[h]:bounds[h + 1]]
                loss = loss + torch.nn.functional.cross_entropy(
                    zh, t[:, h], ignore_index=-1, reduction="none")
            loss = (loss / valid).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss) * len(ex)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        print(f"torch epoch {ep + 1}: {times[-1]:.3f} s (CPU {cpu[-1]:.3f} s)"
              f", loss {total / n_ex:.4f}", flush=True)
    st, sc = sorted(times), sorted(cpu)
    print("JSON " + json.dumps({
        "torch_epoch_s": st[len(st) // 2], "torch_epoch_min_s": st[0],
        "torch_epoch_cpu_s": sc[len(sc) // 2],
        "torch_epochs_s": times, "torch_threads": a.threads,
        "torch_version": torch.__version__, "examples": n_ex}))


if __name__ == "__main__":
    main()
