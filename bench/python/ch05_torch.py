"""Times the book's chapter 5 training loop (ch05/train_neuralnet.py) with PyTorch on the CPU, float32, for
comparison with `dotnet run -c Release --project bench/Nabla.Bench -- train` and bench/python/ch05_train.py.

The same loop as the NumPy script: 10,000 iterations of batch 100 drawn with replacement, the book's two-layer
net (784-50-10, ReLU, softmax cross-entropy, weights 0.01·N(0,1), zero biases), plain SGD at 0.1, the loss
evaluated again after each update, and the train and test accuracy once per epoch. Gradients by autograd.

Usage: /usr/bin/python3 bench/python/ch05_torch.py [THREADS] [BOOK_CODE_DIR] [DATA_DIR]
THREADS defaults to 1 (the issue's "best setting"). Needs Debian's python3-torch (1.13).
"""
import os, sys, time, resource

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
book = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, '..', 'shared', 'reference', 'book-code')
os.environ.setdefault('REF_DATA', sys.argv[3] if len(sys.argv) > 3 else os.path.join(root, '..', 'shared', 'data', 'mnist'))
sys.path.insert(0, book)

import torch
from dataset.mnist import load_mnist

torch.set_num_threads(threads)
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=False)
x_train = torch.from_numpy(x_train).float(); t_train = torch.from_numpy(t_train).long()
x_test = torch.from_numpy(x_test).float(); t_test = torch.from_numpy(t_test).long()
torch.manual_seed(0)
W1 = (0.01 * torch.randn(784, 50)).requires_grad_(); b1 = torch.zeros(50, requires_grad=True)
W2 = (0.01 * torch.randn(50, 10)).requires_grad_(); b2 = torch.zeros(10, requires_grad=True)
params = [W1, b1, W2, b2]

def predict(x):
    return torch.relu(x @ W1 + b1) @ W2 + b2

def accuracy(x, t):
    with torch.no_grad():
        return (predict(x).argmax(dim=1) == t).float().mean().item()

iters_num, batch_size, learning_rate = 10000, 100, 0.1
train_size = x_train.shape[0]
iter_per_epoch = max(train_size / batch_size, 1)

start = time.perf_counter()
for i in range(iters_num):
    batch_mask = torch.randint(0, train_size, (batch_size,))
    x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
    loss = torch.nn.functional.cross_entropy(predict(x_batch), t_batch)
    for p in params: p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params: p -= learning_rate * p.grad
        loss = torch.nn.functional.cross_entropy(predict(x_batch), t_batch)
    if i % iter_per_epoch == 0:
        train_acc = accuracy(x_train, t_train)
        test_acc = accuracy(x_test, t_test)
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"torch {torch.__version__} ({threads} thread{'s' if threads != 1 else ''}): ch05 loop {elapsed:.2f} s, "
      f"final train {train_acc:.4f} test {test_acc:.4f}, peak RSS {peak_mb:.0f} MB")
