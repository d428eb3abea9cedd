#!/usr/bin/env bash
# Whole-process timing of the book's chapter 5 run: `nabla train` (book defaults: TwoLayerNet 784-50-10, 10,000
# iterations of batch 100, lr 0.1, accuracy each epoch) against the book's NumPy code and the PyTorch twin
# (one thread), in alternating rounds (A B C, B C A, C A B, …: the order turns each round), wall time and peak RSS
# from /usr/bin/time, medians at the end, then NumPy's and PyTorch's time over each nabla variant's as the median of
# the per-round ratios.
# nabla also prints its own breakdown (NABLA_TIMINGS=1): process start to command, data load, index build,
# loop (and the accuracy passes in it), final accuracy.
#
# Variants of nabla, each one more contestant in the rounds (give their names in NABLA_VARIANTS, default "jit"):
#   jit      the framework-dependent build (dotnet build -c Release), tiered JIT with PGO (the shipped settings)
#   r2r      ReadyToRun (dotnet publish -r linux-x64 -p:PublishReadyToRun=true): precompiled code, tiered up as usual
#   tc0      the jit build with DOTNET_TieredCompilation=0: every method fully optimised on first call, no PGO
#   nopgo    the jit build with DOTNET_TieredPGO=0
#   qjfl0    the jit build with DOTNET_TC_QuickJitForLoops=0: methods with loops skip tier 0
#   ccd0     the jit build with DOTNET_TC_CallCountingDelayMs=0: hot methods start tiering up at once, not after 100 ms
#   aot      Native AOT as the Linux x64 tool package ships it (dotnet publish -r linux-x64 -p:NablaNativeTool=true,
#            see src/Nabla.Cli/Nabla.Cli.csproj): no JIT at all, and no dynamic PGO either; its x86-64-v3 build hands
#            over to its x86-64-v4 build on a CPU with AVX-512 (src/Nabla.Cli/NativeVariant.cs)
#   aotv3    the same package kept on its x86-64-v3 build (NABLA_NATIVE_VARIANT=base): 256-bit kernels only
#   aotnative  Native AOT for this machine's own instruction sets (IlcInstructionSet=native; an experiment)
# Usage: scripts/whole-process-bench.sh [ROUNDS] [DATA_DIR]    (defaults: 5, ../shared/data/mnist)
#        NABLA_VARIANTS="jit r2r tc0" SKIP_PYTHON=1 scripts/whole-process-bench.sh 3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
data=$(cd "${2:-../shared/data/mnist}" && pwd)
variants=${NABLA_VARIANTS:-jit}
out=$(mktemp -d -t nabla-wp-XXXXXX)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build -c Release src/Nabla.Cli -v:q -nologo > "$out/build.log" 2>&1 || { tail "$out/build.log"; exit 1; }
jit=src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli
if [[ " $variants " == *" r2r "* ]]; then
  dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/r2r" src/Nabla.Cli -v:q -nologo > "$out/publish.log" 2>&1 \
    || { tail "$out/publish.log"; exit 1; }
fi
if [[ " $variants " == *" aot "* || " $variants " == *" aotv3 "* ]]; then
  dotnet publish -c Release -r linux-x64 -p:NablaNativeTool=true -o "$out/aot" src/Nabla.Cli -v:q -nologo \
    > "$out/publish-aot.log" 2>&1 || { tail "$out/publish-aot.log"; exit 1; }
fi
if [[ " $variants " == *" aotnative "* ]]; then
  dotnet publish -c Release -r linux-x64 -p:NablaNativeTool=true -p:IlcInstructionSet=native -p:NablaAvx512Build=false -o "$out/aotnative" src/Nabla.Cli \
    -v:q -nologo > "$out/publish-aotnative.log" 2>&1 || { tail "$out/publish-aotnative.log"; exit 1; }
fi
python=/usr/bin/python3
have_numpy=false; have_torch=false
if [ -z "${SKIP_PYTHON:-}" ]; then
  $python -c "import numpy" 2>/dev/null && have_numpy=true
  $python -c "import torch" 2>/dev/null && have_torch=true
  $have_numpy && $python -c "import numpy, time; a = numpy.ones((1000, 1000), 'f'); t = time.time(); a @ a; print('NumPy matmul: %.0f GFLOP/s (needs libopenblas0-pthread; a few GFLOP/s means the reference BLAS)' % (2 / (time.time() - t)))"
fi

# one NAME COMMAND...: runs it once under /usr/bin/time, appends "NAME wall rss_mb" to results.
one() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/$name.out" 2> "$out/$name.err" || { echo "$name failed:"; tail "$out/$name.err"; return 1; }
  read -r wall rss < "$out/time"
  echo "$name $wall $((rss / 1024))" >> "$out/results"
  printf '  %-8s %7.2f s  %5d MB  %s\n' "$name" "$wall" "$((rss / 1024))" "$(grep -h '^timings' "$out/$name.err" | sed 's/^timings[^:]*: //')"
}
nabla() {
  case $1 in
    jit) one jit env NABLA_TIMINGS=1 "$jit" train --no-progress --data "$data";;
    r2r) one r2r env NABLA_TIMINGS=1 "$out/r2r/Nabla.Cli" train --no-progress --data "$data";;
    tc0) one tc0 env NABLA_TIMINGS=1 DOTNET_TieredCompilation=0 "$jit" train --no-progress --data "$data";;
    nopgo) one nopgo env NABLA_TIMINGS=1 DOTNET_TieredPGO=0 "$jit" train --no-progress --data "$data";;
    qjfl0) one qjfl0 env NABLA_TIMINGS=1 DOTNET_TC_QuickJitForLoops=0 "$jit" train --no-progress --data "$data";;
    ccd0) one ccd0 env NABLA_TIMINGS=1 DOTNET_TC_CallCountingDelayMs=0 "$jit" train --no-progress --data "$data";;
    aot) one aot env NABLA_TIMINGS=1 "$out/aot/Nabla.Cli" train --no-progress --data "$data";;
    aotv3) one aotv3 env NABLA_TIMINGS=1 NABLA_NATIVE_VARIANT=base "$out/aot/Nabla.Cli" train --no-progress --data "$data";;
    aotnative) one aotnative env NABLA_TIMINGS=1 "$out/aotnative/Nabla.Cli" train --no-progress --data "$data";;
    *) echo "unknown variant $1"; exit 2;;
  esac
}
# The contestants' order turns by one each round, so that none always runs right after the same one (PyTorch's 556 MB
# process just before nabla, every round, had cost nabla's index build a few milliseconds).
contestants=($variants)
$have_numpy && contestants+=(numpy)
$have_torch && contestants+=(torch)
for r in $(seq 1 "$rounds"); do
  echo "round $r ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  for ((k = 0; k < ${#contestants[@]}; k++)); do
    c=${contestants[$(((k + r - 1) % ${#contestants[@]}))]}
    case $c in
      numpy) one numpy $python bench/python/ch05_train.py ../shared/reference/book-code "$data";;
      torch) one torch $python bench/python/ch05_torch.py 1 ../shared/reference/book-code "$data";;
      *) nabla "$c";;
    esac
  done
done
echo "medians over $rounds rounds (wall s, peak RSS MB):"
awk '{ w[$1] = w[$1] " " $2; m[$1] = m[$1] " " $3 } END { for (k in w) print k, w[k] "|" m[k] }' "$out/results" | while read -r name rest; do
  walls=${rest%%|*}; rss=${rest##*|}
  med() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
  printf '  %-8s %7.2f s  %5.0f MB   (rounds: %s)\n' "$name" "$(med "$walls")" "$(med "$rss")" "$walls"
done
# The ratios the docs quote: each reference's time over each variant's, round by round, and the median of those.
for v in $variants; do
  for ref in numpy torch; do
    grep -q "^$ref " "$out/results" || continue
    awk -v v="$v" -v ref="$ref" '$1 == v { a[++n] = $2 } $1 == ref { b[++m] = $2 }
      END { k = n < m ? n : m; for (i = 1; i <= k; i++) print b[i] / a[i] }' "$out/results" | sort -g |
      awk -v v="$v" -v ref="$ref" '{ r[NR] = $1 } END { if (NR == 0) exit
        printf "  %s / %s: %.2f (median of %d per-round ratios)\n", ref, v, NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2, NR }'
  done
done
rm -rf "$out"
