"""Times the book's SimpleConvNet (ch07/simple_convnet.py) with NumPy: training images/s (gradient + Adam,
batch 100) and inference images/s (batches of 1000), for comparison with `Nabla.Bench conv`.
Usage: /usr/bin/python3 bench/python/convnet.py [BOOK_CODE_DIR] [BATCHES]"""
import os, sys, time
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
book = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared', 'reference', 'book-code')
batches = int(sys.argv[2]) if len(sys.argv) > 2 else 10
sys.path.insert(0, os.path.join(book, 'ch07')); sys.path.insert(0, book)
import numpy as np
from simple_convnet import SimpleConvNet
from common.optimizer import Adam

rng = np.random.default_rng(1)
x = rng.random((100, 1, 28, 28)).astype(np.float32)
t = rng.integers(0, 10, 100)
net = SimpleConvNet(input_dim=(1, 28, 28), conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0, 'stride': 1},
                    hidden_size=100, output_size=10, weight_init_std=0.01)
adam = Adam(lr=0.001)
def train():
    for _ in range(batches):
        adam.update(net.params, net.gradient(x, t))
big = rng.random((1000, 1, 28, 28)).astype(np.float32)
def infer():
    net.predict(big)
def median(f, reps=5):
    f(); s = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); s.append(time.perf_counter() - t0)
    return sorted(s)[reps // 2]
tr, inf = median(train), median(infer)
print(f"numpy {np.__version__} SimpleConvNet: training {100 * batches / tr:.0f} images/s (gradient+Adam, batch 100), inference {1000 / inf:.0f} images/s (batches of 1000)")
