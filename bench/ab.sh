#!/usr/bin/env bash
# A/B of two builds of Nabla.Bench (or of the nabla tool): whole-process runs alternating old, new, old, new, …;
# prints each round's key figures for both builds, their medians and the median of the per-round ratios new/old.
#
#   bench/ab.sh OLD_DLL NEW_DLL ROUNDS BENCH [ARGS...]
#   bench/ab.sh OLD_NABLA NEW_NABLA ROUNDS tool --data DIR
#
# BENCH is a Nabla.Bench subcommand with a key figure:
#   train  the chapter 5 loop's seconds (lower is better) and the peak working set in MB
#   conv   SimpleConvNet training and inference images/s (higher is better)
# or tool: OLD and NEW are nabla executables (a Native AOT publish), each run as `nabla train --no-progress ARGS` with
#   NABLA_TIMINGS=1, whose figures are the whole process's seconds and its parts (lower is better).
# ARGS go to the subcommand unchanged. Each run's full output is kept in a folder named at the end.
#
# Example (old build of main in /tmp/ab-old, the branch's build as new):
#   dotnet build -c Release bench/Nabla.Bench -o /tmp/ab-new
#   bench/ab.sh /tmp/ab-old/Nabla.Bench.dll /tmp/ab-new/Nabla.Bench.dll 5 train ../shared/data/mnist 1
#   bench/ab.sh /tmp/ab-old/Nabla.Bench.dll /tmp/ab-new/Nabla.Bench.dll 5 conv
#   bench/ab.sh /tmp/aot-old/Nabla.Cli /tmp/aot-new/Nabla.Cli 7 tool --data ../shared/data/mnist
# AB_OLD_ENV and AB_NEW_ENV (NAME=VALUE ..., space-separated) set environment variables for one side only: the same
# build under two settings, e.g. the tool package's x86-64-v3 build against the x86-64-v4 build it hands over to:
#   AB_OLD_ENV=NABLA_NATIVE_VARIANT=base bench/ab.sh /tmp/aot/Nabla.Cli /tmp/aot/Nabla.Cli 9 tool --data ../shared/data/mnist
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
if [ $# -lt 4 ]; then usage; exit 2; fi
old=$1 new=$2 rounds=$3 bench=$4
shift 4
for dll in "$old" "$new"; do
  [ -f "$dll" ] || { echo "ab.sh: no such file: $dll" >&2; exit 2; }
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: ROUNDS must be a positive integer, got '$rounds'" >&2; exit 2; }

# Per bench: the figures' names, the regular expressions that capture them (the number is the first group), and
# whether lower or higher is better. A run that prints a figure more than once (train with several runs) counts its last.
case "$bench" in
  train) names=("seconds" "peak MB"); regexes=('ch05 loop ([0-9.]+) s' 'peak working set ([0-9.]+) MB'); better=(lower lower) ;;
  conv)  names=("train img/s" "infer img/s"); regexes=('training ([0-9.]+) images/s' 'inference ([0-9.]+) images/s'); better=(higher higher) ;;
  tool)  names=("total s" "loop s" "accuracy s" "load s" "index s")
         regexes=('process total ([0-9.]+) s' 'loop ([0-9.]+) s' 'accuracy passes ([0-9.]+) s' 'data load ([0-9.]+) s' 'index build ([0-9.]+) s')
         better=(lower lower lower lower lower) ;;
  *) echo "ab.sh: BENCH must be train, conv or tool, got '$bench'" >&2; exit 2 ;;
esac

logs=$(mktemp -d "${TMPDIR:-/tmp}/nabla-ab.XXXXXX")
declare -A value # [side,figure,round]

for ((r = 1; r <= rounds; r++)); do
  for side in old new; do
    dll=$old; [ "$side" = new ] && dll=$new
    log="$logs/$side-$r.log"
    side_env=${AB_OLD_ENV:-}; [ "$side" = new ] && side_env=${AB_NEW_ENV:-}
    read -ra extra <<< "$side_env"
    if [ "$bench" = tool ]; then run=(env NABLA_TIMINGS=1 "${extra[@]}" "$dll" train --no-progress "$@"); else run=(env "${extra[@]}" dotnet "$dll" "$bench" "$@"); fi
    if ! "${run[@]}" > "$log" 2>&1; then
      echo "ab.sh: round $r, $side build failed (exit $?); its output: $log" >&2
      tail -n 5 "$log" >&2
      exit 1
    fi
    for i in "${!names[@]}"; do
      v=$(grep -E "${regexes[$i]}" "$log" | tail -n 1 | sed -E "s#.*${regexes[$i]}.*#\\1#" || true)
      if [ -z "$v" ]; then echo "ab.sh: round $r, $side: no '${names[$i]}' figure in $log" >&2; exit 1; fi
      value[$side,$i,$r]=$v
    done
    echo "round $r $side: $(for i in "${!names[@]}"; do printf '%s %s  ' "${names[$i]}" "${value[$side,$i,$r]}"; done)" >&2
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo
if [ "$bench" = tool ]; then echo "A/B: NABLA_TIMINGS=1 NABLA train --no-progress $*   ($rounds rounds, old then new in each)"
else echo "A/B: dotnet DLL $bench $*   ($rounds rounds, old then new in each)"; fi
echo "old: ${AB_OLD_ENV:+$AB_OLD_ENV }$old"
echo "new: ${AB_NEW_ENV:+$AB_NEW_ENV }$new"
for i in "${!names[@]}"; do
  echo
  printf '%-8s %14s %14s %9s\n' round "old ${names[$i]}" "new ${names[$i]}" "new/old"
  ratios=()
  for ((r = 1; r <= rounds; r++)); do
    o=${value[old,$i,$r]} n=${value[new,$i,$r]}
    q=$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.3f", n / o }')
    ratios+=("$q")
    printf '%-8s %14s %14s %9s\n' "$r" "$o" "$n" "$q"
  done
  mo=$(for ((r = 1; r <= rounds; r++)); do echo "${value[old,$i,$r]}"; done | median)
  mn=$(for ((r = 1; r <= rounds; r++)); do echo "${value[new,$i,$r]}"; done | median)
  mq=$(printf '%s\n' "${ratios[@]}" | median)
  printf '%-8s %14s %14s %9s\n' median "$mo" "$mn" "$(awk -v q="$mq" 'BEGIN { printf "%.3f", q }')"
  awk -v q="$mq" -v b="${better[$i]}" -v name="${names[$i]}" 'BEGIN {
    printf "%s: median of the per-round ratios new/old = %.3f (%+.1f %%; %s is better)\n", name, q, 100 * (q - 1), b }'
done
echo
echo "each run's output: $logs"
