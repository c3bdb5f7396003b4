"""Peak conv throughput of PyTorch on this machine: one 3x3 128->128 conv at 64x64, batch 4 (4.83 GFLOP).
Prints one JSON line {gflops, threads, torchVersion}. Usage: /usr/bin/python3 bench/torch_peak.py [threads]"""
import json, os, sys, time
import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count()
torch.set_num_threads(threads)
x = torch.rand(4, 128, 64, 64)
conv = torch.nn.Conv2d(128, 128, 3, padding=1, bias=False)
flop = 2 * 4 * 64 * 64 * 128 * 128 * 9
best = float("inf")
with torch.no_grad():
    for _ in range(6):
        t0 = time.perf_counter()
        conv(x)
        best = min(best, time.perf_counter() - t0)
print(json.dumps({"gflops": flop / best / 1e9, "threads": threads, "torchVersion": torch.__version__}))
