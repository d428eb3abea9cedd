#!/usr/bin/env bash
# Issue 19's comparison: DeepConvNet training (forward, backward, Adam; batch 100; float32) and inference (batches of
# 1,000) in Nabla (`Nabla.Bench conv 10 --deep`) against its PyTorch twin (bench/python/deepconvnet_torch.py, one and
# two threads), whole processes alternating round by round; prints every round, the medians, and Nabla's ratio to
# PyTorch at its best thread count (per round, then the median of those ratios).
#   bench/deep-vs-torch.sh BENCH_DLL ROUNDS     e.g. bench/deep-vs-torch.sh bench/Nabla.Bench/bin/Release/net10.0/Nabla.Bench.dll 5
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dll=$1 rounds=$2
cd "$(dirname "$0")/.."
out=$(mktemp -d -t nabla-deep-XXXXXX)
for r in $(seq 1 "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  n=$(dotnet "$dll" conv 10 --deep | grep -E '^DeepConvNet float32, batch 100: training')
  nt=$(sed -E 's/.*training ([0-9]+) images.*/\1/' <<< "$n"); ni=$(sed -E 's/.*inference ([0-9]+) images.*/\1/' <<< "$n")
  p=$(/usr/bin/python3 bench/python/deepconvnet_torch.py)
  read -r t1 i1 < <(grep '1 thread' <<< "$p" | sed -E 's/.*training ([0-9]+) images.*inference ([0-9]+) images.*/\1 \2/')
  read -r t2 i2 < <(grep '2 thread' <<< "$p" | sed -E 's/.*training ([0-9]+) images.*inference ([0-9]+) images.*/\1 \2/')
  bt=$(( t1 > t2 ? t1 : t2 )); bi=$(( i1 > i2 ? i1 : i2 ))
  echo "$nt $ni $t1 $t2 $i1 $i2 $(awk -v a="$nt" -v b="$bt" 'BEGIN { printf "%.3f", a / b }') $(awk -v a="$ni" -v b="$bi" 'BEGIN { printf "%.3f", a / b }')" >> "$out/rounds"
  printf 'round %d (%s UTC, load %s): Nabla training %s, inference %s images/s; PyTorch 1/2 threads training %s/%s, inference %s/%s\n' \
    "$r" "$(date -u +%H:%M:%S)" "$load" "$nt" "$ni" "$t1" "$t2" "$i1" "$i2"
done
med() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
col() { awk -v c="$1" '{ print $c }' "$out/rounds" | med; }
echo "medians over $rounds rounds: Nabla training $(col 1), inference $(col 2) images/s; PyTorch training 1/2 threads $(col 3)/$(col 4), inference $(col 5)/$(col 6)"
echo "Nabla / PyTorch at its best thread count, median of the per-round ratios: training $(col 7), inference $(col 8)"
rm -rf "$out"
