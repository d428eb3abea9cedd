"""Times the book's chapter 5 training loop (ch05/train_neuralnet.py) with NumPy, for comparison
with `dotnet run -c Release --project bench/Nabla.Bench -- train`.

Usage: /usr/bin/python3 bench/python/ch05_train.py [BOOK_CODE_DIR] [DATA_DIR]
Defaults: ../shared/reference/book-code and ../shared/data/mnist relative to the repository root.
Prints the loop time (10,000 iterations with the per-epoch accuracy passes) and peak memory.
"""
import os, sys, time, resource

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
book = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared', 'reference', 'book-code')
os.environ.setdefault('REF_DATA', sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, '..', 'shared', 'data', 'mnist'))
sys.path.insert(0, os.path.join(book, 'ch05'))
sys.path.insert(0, book)

import numpy as np
from dataset.mnist import load_mnist
from two_layer_net import TwoLayerNet

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
np.random.seed(0)
network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
iters_num, batch_size, learning_rate = 10000, 100, 0.1
train_size = x_train.shape[0]
iter_per_epoch = max(train_size / batch_size, 1)

start = time.perf_counter()
for i in range(iters_num):
    batch_mask = np.random.choice(train_size, batch_size)
    x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
    grad = network.gradient(x_batch, t_batch)
    for key in ('W1', 'b1', 'W2', 'b2'):
        network.params[key] -= learning_rate * grad[key]
    loss = network.loss(x_batch, t_batch)
    if i % iter_per_epoch == 0:
        train_acc = network.accuracy(x_train, t_train)
        test_acc = network.accuracy(x_test, t_test)
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"numpy {np.__version__}: ch05 loop {elapsed:.2f} s, final train {train_acc:.4f} test {test_acc:.4f}, peak RSS {peak_mb:.0f} MB")
