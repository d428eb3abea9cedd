#!/usr/bin/env bash
# Packs every package into one folder: the library (Nabla, Nabla.Onnx), the tool's pointer package (Nabla.Cli), its
# per-platform packages (ReadyToRun) and the portable one (Nabla.Cli.any). On Linux x64 it then packs the Linux x64
# tool package again, compiled ahead of time (Native AOT, x86-64-v3), replacing the ReadyToRun one: Native AOT can
# only compile for the platform it runs on, so a release packs linux-x64 here and the others wherever they are built.
# Usage: scripts/pack.sh OUT [extra dotnet pack arguments]     (NABLA_NATIVE_TOOL=0 skips the AOT package)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/pack.sh OUT [dotnet pack arguments]" >&2; exit 2; }
out=$1; shift
cd "$(dirname "$0")/.."
dotnet pack -c Release -o "$out" -nologo "$@"
if [ "${NABLA_NATIVE_TOOL:-1}" = 1 ] && [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  dotnet pack src/Nabla.Cli -c Release -r linux-x64 -p:NablaNativeTool=true -o "$out" -nologo "$@"
fi
