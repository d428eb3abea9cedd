"""The PyTorch twin of `Nabla.Bench conv-shapes`: one convolution layer's forward and backward (dW, db and dx), float32,
batch 100, at the same general shapes (3×3 and 5×5, stride 1 and 2), with uniform random weights and input as there.
Prints the median of ROUNDS calls in ms and GFLOP/s counted the direct way (2·N·FN·C·KH·KW·OH·OW a pass, two passes
backward), and the backward without dx (dW and db alone, one pass), for torch.set_num_threads(1) and (2).
Usage: /usr/bin/python3 bench/python/conv_shapes_torch.py [ROUNDS]"""
import sys, time
import torch
import torch.nn.functional as F

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
shapes = [
    ("3x3 stride 1, 32 -> 32, 14x14 pad 1", 32, 14, 32, 3, 1, 1),
    ("3x3 stride 1, 64 -> 64, 8x8 pad 1 (DeepConvNet conv6)", 64, 8, 64, 3, 1, 1),
    ("5x5 stride 1, 16 -> 32, 14x14 pad 2", 16, 14, 32, 5, 1, 2),
    ("3x3 stride 2, 16 -> 32, 28x28 pad 1", 16, 28, 32, 3, 2, 1),
    ("3x3 stride 2, 32 -> 64, 14x14 pad 1", 32, 14, 64, 3, 2, 1),
    ("5x5 stride 2, 16 -> 32, 28x28 pad 2", 16, 28, 32, 5, 2, 2),
]


def median(values):
    return sorted(values)[len(values) // 2]


for threads in (1, 2):
    torch.set_num_threads(threads)
    print(f"one convolution layer, float32, batch 100, medians of {rounds} calls, PyTorch {torch.__version__}, {threads} thread(s)")
    torch.manual_seed(1)
    for name, c, h, fn, k, stride, pad in shapes:
        w = (torch.rand(fn, c, k, k) * 0.2 - 0.1).requires_grad_()
        b = torch.zeros(fn, requires_grad=True)
        x = torch.rand(100, c, h, h)
        xg = x.clone().requires_grad_()
        y = F.conv2d(x, w, b, stride, pad)
        dy = torch.rand(y.shape) * 2 - 1
        forward, backward, filter_only = [], [], []
        for i in range(rounds + 5):
            t0 = time.perf_counter()
            with torch.no_grad():
                F.conv2d(x, w, b, stride, pad)
            t1 = time.perf_counter()
            y = F.conv2d(x, w, b, stride, pad)          # x needs no gradient: dW and db alone
            ta = time.perf_counter()
            y.backward(dy)
            t2 = time.perf_counter()
            y = F.conv2d(xg, w, b, stride, pad)         # dW, db and dx
            tb = time.perf_counter()
            y.backward(dy)
            t3 = time.perf_counter()
            w.grad = b.grad = xg.grad = None
            if i >= 5:
                forward.append(t1 - t0); filter_only.append(t2 - ta); backward.append(t3 - tb)
        f, bw, dw = median(forward) * 1e3, median(backward) * 1e3, median(filter_only) * 1e3
        oh = (h + 2 * pad - k) // stride + 1
        flop = 2.0 * 100 * fn * c * k * k * oh * oh
        print(f"{name:<52} forward {f:6.2f} ms {flop / f / 1e6:4.0f} GFLOP/s  backward {bw:6.2f} ms {2 * flop / bw / 1e6:4.0f} GFLOP/s"
              f" (dW, db alone {dw:6.2f} ms {flop / dw / 1e6:4.0f})")
