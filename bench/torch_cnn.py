"""PyTorch reference for `jgrad train --model cnn`: the same network, initialization scheme, Adam (lr 1e-3),
batch size and data preparation (pixels / 255, no normalization), shuffled every epoch; each epoch is timed
like jgrad's metrics.csv "seconds" (training plus the test-set evaluation in batches of 256).
Usage: /usr/bin/python3 bench/torch_cnn.py DATA_DIR EPOCHS [BATCH] [THREADS] [SEED]
Prints one "EPOCH" line per epoch and a final "RESULT torch <median s/epoch> <peak RSS MiB> <CPU s/epoch>" line,
the CPU time (user + system) being the whole process's, start-up and data loading included, over the epochs."""
import signal
import sys

# Ctrl-C ends the benchmark as it ends a C program, with no traceback (torch's import alone takes seconds)
signal.signal(signal.SIGINT, signal.SIG_DFL)

import gzip
import os
import resource
import statistics
import struct
import time

import numpy as np
import torch
from torch import nn


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, _, _, rank = struct.unpack(">BBBB", data[:4])
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(directory, prefix):
    name = lambda kind: next(os.path.join(directory, f) for f in sorted(os.listdir(directory))
                             if f.startswith(prefix + "-" + kind))
    x = torch.from_numpy(idx(name("images")).astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(idx(name("labels")).astype(np.int64))
    return x, y


def cnn(classes):
    # jgrad's --model cnn, index for index (state_dict names match the checkpoint's)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, classes))


def main():
    directory, epochs = sys.argv[1], int(sys.argv[2])
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 42
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xtr, ytr = load(directory, "train")
    xte, yte = load(directory, "t10k")
    model = cnn(int(max(ytr.max(), yte.max())) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(xtr))
        total, correct = 0.0, 0
        for i in range(0, len(xtr), batch):
            idx_ = order[i:i + batch]
            x, y = xtr[idx_], ytr[idx_]
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
        model.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, len(xte), 256):
                right += (model(xte[i:i + 256]).argmax(1) == yte[i:i + 256]).sum().item()
        seconds = time.perf_counter() - start
        times.append(seconds)
        print(f"EPOCH torch {epoch} loss {total / len(xtr):.4f} train_acc {correct / len(xtr):.4f} "
              f"test_acc {right / len(xte):.4f} seconds {seconds:.1f}", flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime + usage.ru_stime) / epochs
    print(f"RESULT torch {statistics.median(times):.2f} {usage.ru_maxrss / 1024:.0f} {cpu:.1f}", flush=True)


if __name__ == "__main__":
    main()
