"""GFLOP/s of NumPy's matrix product (OpenBLAS) on the large shapes of Nabla's GEMM benchmark
(`dotnet run -c Release --project bench/Nabla.Bench -- kernels --filter '*Gemm*'`, which prints GFLOP/s too).
Usage: /usr/bin/python3 bench/python/gemm_numpy.py"""
import time
import numpy as np

shapes = [("1024x1024x1024", 1024, 1024, 1024, False), ("100x784 . 784x50 (forward)", 100, 50, 784, False),
          ("784x100 . 100x50 (dW1 = x^T dout)", 784, 50, 100, True), ("10000x784 . 784x50 (accuracy pass)", 10000, 50, 784, False),
          ("100x4320 . 4320x100 (CNN Affine1)", 100, 100, 4320, False),
          ("4320x100 . 100x100 (CNN dW2 = x^T dout)", 4320, 100, 100, True),
          ("100x100 . 100x4320 (CNN dx = dout W^T)", 100, 4320, 100, 'B')]

def measure(dtype, m, n, k, trans_a):
    rng = np.random.default_rng(1)
    a = rng.random((k, m) if trans_a is True else (m, k)).astype(dtype)
    b = rng.random((n, k) if trans_a == 'B' else (k, n)).astype(dtype)
    flops = 2.0 * m * n * k
    inner = max(1, int(2e9 / flops))
    f = (lambda: np.dot(a.T, b)) if trans_a is True else (lambda: np.dot(a, b.T)) if trans_a == 'B' else (lambda: np.dot(a, b))
    for _ in range(2):
        for _ in range(inner): f()
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(inner): f()
        samples.append(time.perf_counter() - t)
    return flops * inner / sorted(samples)[3] / 1e9

print(f"numpy {np.__version__}")
print(f"{'shape':38} {'float32 GFLOP/s':>16} {'float64 GFLOP/s':>16}")
for name, m, n, k, ta in shapes:
    print(f"{name:38} {measure(np.float32, m, n, k, ta):16.1f} {measure(np.float64, m, n, k, ta):16.1f}")
