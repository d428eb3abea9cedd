#!/usr/bin/env bash
# Runs the quick book samples (samples/*.cs, .NET 10 file-based apps) and checks that they print the book's
# numbers; builds the slow ones (training runs, the chapter 6 experiments, the convnets) without running them.
# Samples that need ../shared/data (MNIST, the book's weights) are built but not run when it is missing.
# Usage: scripts/samples-check.sh        Exits non-zero naming the sample that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
failed=()
shared=false; [ -d ../shared/data/mnist ] && [ -d ../shared/data/book-weights ] && shared=true

# run NAME 'expected line or /regex/' ...: runs the sample and requires every expected line in its output.
run() {
  local name=$1; shift
  local out
  if ! out=$(dotnet run -c Release "samples/$name.cs" 2>&1); then echo "$out" | tail -n 20; failed+=("$name (exit)"); return; fi
  for want in "$@"; do
    if [[ $want == /*/ ]]; then grep -Eq -- "${want:1:-1}" <<< "$out" || { echo "$out" | tail -n 20; failed+=("$name: no line matching ${want:1:-1}"); return; }
    else grep -Fxq -- "$want" <<< "$out" || { echo "$out" | tail -n 20; failed+=("$name: no line '$want'"); return; }
    fi
  done
  echo "ok   $name"
}
build() {
  local name=$1
  if dotnet build -c Release "samples/$name.cs" > "/tmp/nabla-sample-$name.log" 2>&1; then echo "ok   $name (built)"
  else tail -n 20 "/tmp/nabla-sample-$name.log"; failed+=("$name (build)"); fi
}

run ch02-perceptron 'AND:' '(1, 1) -> 1' 'XOR:' '(0, 0) -> 0' '(1, 0) -> 1' '(0, 1) -> 1' '(1, 1) -> 0'
run ch03-activations 'relu(x)    = [0. 1. 2.]' '[0.31682708 0.69627909]' '/softmax\(\[0.3 2.9 4. \]\) = \[0.01821127 0.24519181 0.73659691\]/'
run ch04-numerical-gradient '0.1999999999990898' '0.2999999999986347' 'numerical_gradient(function_2, [3, 4]) = [6. 8.]' \
  '/lr=0.1, step_num=100\) = \[-6.1111[0-9]*e-10 +8.1481[0-9]*e-10\]/'
run ch04-simplenet 'p = [1.05414809 0.63071653 1.1328074 ]' 'argmax(p) = 2' '/^loss = 0.92806/'
run ch05-buy-apple 'price: 220' 'dApple: 2.2' 'dApple_num: 110' 'dTax: 200'
run ch05-buy-apple-orange 'price: 715' 'dApple: 2.2' 'dApple_num: 110' 'dOrange: 3.3000000000000003' 'dOrange_num: 165' 'dTax: 650'
# The autograd engine (the book's sequel): the same shopping numbers read from the engine's graph, the test functions,
# Newton's method with the engine's second derivative, double backprop.
run autograd-shopping 'price: 220' 'dApple: 2.2, dApple_num: 110, dTax: 200' 'price: 715' \
  'dApple_num: 110, dApple: 2.2, dOrange: 3.3, dOrange_num: 165, dTax: 650'
run autograd-test-functions '/^sphere +z = 2 +dz\/dx = 2 +dz\/dy = 2$/' '/^goldstein-price +z = 1876 +dz\/dx = -5376 +dz\/dy = 8064$/'
run autograd-rosenbrock 'gradient at (0, 2): (-2, 400)' '/^iter  50000: x0 = 1\.000000, x1 = 1\.000000/'
run autograd-newton "step 0: x = 2, y' = 24, y'' = 44" '/^step [1-7]: x = 1, /'
run autograd-double-backprop 'gx = 4, z = 68, dz/dx = 100'
if $shared; then
  run ch03-inference 'Accuracy:0.9352'
  # The book: W1:2e-13 b1:8e-13 W2:9e-13 b2:1e-10 — each within two orders of magnitude of that.
  run ch05-gradient-check '/^W1:[0-9.]+E-1[1-5]$/' '/^b1:[0-9.]+E-1[0-5]$/' '/^W2:[0-9.]+E-1[0-5]$/' '/^b2:[0-9.]+E-(09|1[0-2])$/'
  # The notes' learn loop: the accuracy on its stored 500 images passes 0.9.
  run ch04-learn '/^train accuracy \(the stored 500\): (0\.9[0-9]*|1\.0+)$/'
else
  echo "skip ch03-inference, ch05-gradient-check, ch04-learn: ../shared/data not found (building them only)"
  build ch03-inference; build ch05-gradient-check; build ch04-learn
fi
for name in ch04-train-numerical ch05-train ch06-optimizers ch06-weight-init ch06-batch-norm ch06-overfitting ch06-hyperparameters \
            ch07-simple-convnet ch07-filters ch08-deep-convnet; do
  build "$name"
done
# A sample added later and listed nowhere above is at least built.
for f in samples/*.cs; do
  name=$(basename "$f" .cs)
  grep -q -- " $name\b\|run $name\|build $name" "$0" || build "$name"
done
if [ ${#failed[@]} -gt 0 ]; then printf 'samples-check: FAILED: %s\n' "${failed[@]}" >&2; exit 1; fi
echo "samples-check: OK"
