"""The headline CPU workload in PyTorch, the same loop as bench/src/MlpBench.java (run alternately by
bench/compare.sh): a 784-H1-H2-10 ReLU MLP on Fashion-MNIST, cross-entropy, shuffled mini-batches from tensors
loaded up front, Adam (lr 1e-3) or SGD momentum 0.9 (lr 0.05), float32, torch.set_num_threads(threads).

Usage: python3 bench/torch_mlp.py adam|sgd epochs threads hidden1 hidden2 batch maxSteps dataDir [seed]
(seed, default 0, initialises the weights; shuffling uses seed + 1). The environment variable ACTIVATION
(relu, leaky_relu, tanh, sigmoid, elu or gelu; default relu) replaces the ReLUs, as MlpBench's -Dactivation does.
FLUSH_DENORMAL=1 calls torch.set_flush_denormal(True) (subnormal floats read and written as zero, as jgrad's optimizers
store their state; off by default in PyTorch).
Prints: RESULT torch <opt> <median s/epoch> <test accuracy %> <peak RSS MiB> -1 <median ms/step> epochs_s=[...]
"""
import signal
import sys

# Ctrl-C ends the benchmark as it ends a C program, with no traceback (torch's import alone takes seconds)
signal.signal(signal.SIGINT, signal.SIG_DFL)

import gzip
import os
import statistics
import time

import numpy as np
import torch


def load(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    opt, epochs, threads, h1, h2, batch, max_steps, data = sys.argv[1:9]
    if opt not in ("adam", "sgd"):  # anything else ran SGD under that name
        print(f"bench/torch_mlp.py: optimizer: expected adam or sgd, got '{opt}'", file=sys.stderr)
        sys.exit(2)
    epochs, threads, h1, h2, batch, max_steps = map(int, (epochs, threads, h1, h2, batch, max_steps))
    torch.set_num_threads(threads)
    flush = os.environ.get("FLUSH_DENORMAL", "0") == "1"
    if flush and not torch.set_flush_denormal(True):
        sys.exit("bench/torch_mlp.py: FLUSH_DENORMAL=1, but this CPU has no flush-to-zero mode for PyTorch")
    seed = int(sys.argv[9]) if len(sys.argv) > 9 else 0
    torch.manual_seed(seed)
    x_train = torch.from_numpy(load(f"{data}/train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0)
    y_train = torch.from_numpy(load(f"{data}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    x_test = torch.from_numpy(load(f"{data}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0)
    y_test = torch.from_numpy(load(f"{data}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
    activations = {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "tanh": torch.nn.Tanh,
                   "sigmoid": torch.nn.Sigmoid, "elu": torch.nn.ELU, "gelu": torch.nn.GELU}
    activation = activations[os.environ.get("ACTIVATION", "relu")]
    model = torch.nn.Sequential(torch.nn.Linear(784, h1), activation(), torch.nn.Linear(h1, h2), activation(),
                                torch.nn.Linear(h2, 10))
    if opt == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed + 1)
    n = x_train.shape[0]
    seconds = []
    steps = 0
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        s = 0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            last = loss.item()
            s += 1
            if max_steps and s >= max_steps:
                break
        seconds.append(time.perf_counter() - t0)
        steps = s
    model.eval()
    with torch.no_grad():
        correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                      for i in range(0, x_test.shape[0], 1000))
    accuracy = 100.0 * correct / x_test.shape[0]
    rss = -1.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) / 1024.0
    med = statistics.median(seconds)
    print(f"RESULT torch {opt} {med:.4f} {accuracy:.2f} {rss:.1f} -1 {med * 1e3 / steps:.3f} "
          f"epochs_s={[round(v, 3) for v in seconds]} loss={last:.4f} flush_denormal={int(flush)} threads={threads}",
          flush=True)


if __name__ == "__main__":
    main()
