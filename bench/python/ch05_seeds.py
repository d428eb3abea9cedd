"""The book's chapter 5 run (ch05/train_neuralnet.py with its TwoLayerNet, unchanged) for several NumPy seeds: prints
each seed's test accuracy where the book prints it last (iteration 9,600) and after the 10,000th iteration, then the
mean, standard deviation and range. With --dump DIR it only writes each seed's random draws instead, in the order the
book makes them (W1 = 0.01·randn(784, 50), W2 = 0.01·randn(50, 10), then the 10,000 minibatch masks of
np.random.choice(60000, 100)): w1_SEED.npy, w2_SEED.npy, masks_SEED.npy, which
`Nabla.Bench autograd --replay DIR SEEDS` trains the engine on.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/python/ch05_seeds.py [--dump DIR] SEED...
The book's code is read from ../shared/reference/book-code and MNIST from ../shared/data/mnist (as ch05_torch.py does).
"""
import os, sys, statistics

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
book = os.path.join(root, '..', 'shared', 'reference', 'book-code')
os.environ.setdefault('REF_DATA', os.path.join(root, '..', 'shared', 'data', 'mnist'))
sys.path[:0] = [book, os.path.join(book, 'ch05')]
args = sys.argv[1:]
dump = None
if args[:1] == ['--dump']:
    dump, args = args[1], args[2:]
seeds = [int(s) for s in args] or [0]

import numpy as np

if dump is not None:
    os.makedirs(dump, exist_ok=True)
    for seed in seeds:
        np.random.seed(seed)
        w1 = 0.01 * np.random.randn(784, 50)
        w2 = 0.01 * np.random.randn(50, 10)
        masks = np.stack([np.random.choice(60000, 100) for _ in range(10000)]).astype(np.int32)
        np.save(os.path.join(dump, f'w1_{seed}.npy'), w1)
        np.save(os.path.join(dump, f'w2_{seed}.npy'), w2)
        np.save(os.path.join(dump, f'masks_{seed}.npy'), masks)
    sys.exit(0)

from dataset.mnist import load_mnist
from two_layer_net import TwoLayerNet

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
at9600, final = [], []
for seed in seeds:
    np.random.seed(seed)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    for i in range(10000):
        batch_mask = np.random.choice(x_train.shape[0], 100)
        grad = network.gradient(x_train[batch_mask], t_train[batch_mask])
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= 0.1 * grad[key]
        if i == 9600:  # the book evaluates at i % 600 == 0; its last print is this one
            at9600.append(network.accuracy(x_test, t_test))
    final.append(network.accuracy(x_test, t_test))
    print(f'seed {seed}: test accuracy at iteration 9,600 {at9600[-1]:.4f}, after 10,000 {final[-1]:.4f}', flush=True)
for name, v in (('at 9,600', at9600), ('after 10,000', final)):
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    print(f'{name}: mean {statistics.mean(v):.4f}, sd {sd:.4f}, range {min(v):.4f}-{max(v):.4f}, '
          f'{sum(a >= 0.97 for a in v)} of {len(v)} seeds >= 0.97')
