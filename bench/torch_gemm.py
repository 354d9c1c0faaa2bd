"""PyTorch peer of GemmBench.java: the 8 GEMMs of one 784-256-128-10 MLP training step (batch 128), timed
over a Fashion-MNIST epoch (469 steps). Usage: /usr/bin/python3 bench/torch_gemm.py [threads] [epochs] [warmup]
Prints: RESULT torch <median ms/epoch> <GFLOP/s> ..."""
import signal
import sys

# Ctrl-C ends the benchmark as it ends a C program, with no traceback (torch's import alone takes seconds)
signal.signal(signal.SIGINT, signal.SIG_DFL)

import time

import torch

BATCH, STEPS, SIZES = 128, 469, [784, 256, 128, 10]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    layers = len(SIZES) - 1
    x = [torch.randn(BATCH, SIZES[l]) for l in range(layers)]
    w = [torch.randn(SIZES[l + 1], SIZES[l]) for l in range(layers)]
    dy = [torch.randn(BATCH, SIZES[l + 1]) for l in range(layers)]
    flop = 0.0
    for l in range(layers):
        flop += 2.0 * BATCH * SIZES[l] * SIZES[l + 1] * (3 if l > 0 else 2)
    flop *= STEPS
    ms = []
    sink = 0.0
    with torch.no_grad():
        for e in range(-warmup, epochs):
            t0 = time.perf_counter()
            for _ in range(STEPS):
                for l in range(layers):
                    sink += float(torch.mm(x[l], w[l].t())[0, 0])
                for l in range(layers - 1, -1, -1):
                    sink += float(torch.mm(dy[l].t(), x[l])[0, 0])
                    if l > 0:
                        sink += float(torch.mm(dy[l], w[l])[0, 0])
            if e >= 0:
                ms.append((time.perf_counter() - t0) * 1e3)
    med = sorted(ms)[len(ms) // 2]
    print("RESULT torch %.1f %.2f epochs_ms=%s threads=%d gflop=%.2f" % (
        med, flop / med / 1e6, [round(v) for v in ms], threads, flop / 1e9))


if __name__ == "__main__":
    main()
