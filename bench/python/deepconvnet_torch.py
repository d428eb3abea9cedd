"""Times the book's DeepConvNet (ch08/deep_convnet.py) in PyTorch, the twin of `Nabla.Bench conv --deep`: the same
layers (six 3×3 convolutions 16, 16, 32, 32, 64, 64 with pads 1, 1, 1, 2, 1, 1, ReLU, 2×2 max pools after every second,
Affine 50 – ReLU – Dropout 0.5 – Affine 10 – Dropout 0.5, softmax cross-entropy), He initialisation, Adam lr 0.001,
float32, batch 100 of synthetic 1×28×28 input. Prints training images/s (forward, backward, Adam) and inference images/s
(batches of 1000, no autograd) with torch.set_num_threads(1) and (2).
Usage: /usr/bin/python3 bench/python/deepconvnet_torch.py [BATCHES] [ROUNDS]"""
import sys, time, math
import torch
import torch.nn as nn

batches = int(sys.argv[1]) if len(sys.argv) > 1 else 10
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def deep_convnet():
    layers, channels = [], 1
    for i, (filters, pad) in enumerate([(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)]):
        conv = nn.Conv2d(channels, filters, 3, stride=1, padding=pad)
        nn.init.normal_(conv.weight, 0.0, math.sqrt(2.0 / (channels * 9)))   # He, as the book
        nn.init.zeros_(conv.bias)
        layers += [conv, nn.ReLU()]
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2, 2))
        channels = filters
    a1, a2 = nn.Linear(64 * 4 * 4, 50), nn.Linear(50, 10)
    nn.init.normal_(a1.weight, 0.0, math.sqrt(2.0 / (64 * 4 * 4))); nn.init.zeros_(a1.bias)
    nn.init.normal_(a2.weight, 0.0, math.sqrt(2.0 / 50)); nn.init.zeros_(a2.bias)
    layers += [nn.Flatten(), a1, nn.ReLU(), nn.Dropout(0.5), a2, nn.Dropout(0.5)]
    return nn.Sequential(*layers)


def median(f, reps, warmup):
    for _ in range(warmup):
        f()
    s = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); s.append(time.perf_counter() - t0)
    return sorted(s)[reps // 2]


torch.manual_seed(1)
x = torch.rand(100, 1, 28, 28)
t = torch.randint(0, 10, (100,))
big = torch.rand(1000, 1, 28, 28)
for threads in (1, 2):
    torch.set_num_threads(threads)
    net = deep_convnet()
    adam = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()

    def train():
        net.train()
        for _ in range(batches):
            adam.zero_grad(set_to_none=False)
            loss_fn(net(x), t).backward()
            adam.step()

    def infer():
        net.eval()
        with torch.no_grad():
            net(big)

    tr = median(train, rounds, 2)
    inf = median(infer, rounds, 2)
    print(f"torch {torch.__version__} DeepConvNet float32, {threads} thread(s): training {100 * batches / tr:.0f} images/s "
          f"(forward+backward+Adam, batch 100), inference {1000 / inf:.0f} images/s (batches of 1000)")
