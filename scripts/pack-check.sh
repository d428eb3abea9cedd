#!/usr/bin/env bash
# Packs every packable project into a temporary folder and uses the packages as a user would:
#   - only the library (Nabla, Nabla.Onnx) and the tool (Nabla.Cli and its per-platform packages) come out;
#   - each has its README, licence, description, tags, repository commit, and a symbols package;
#   - the Linux x64 tool package stays under 25 MB (SkiaSharp's native library for one platform only) and, on Linux x64,
#     is the Native AOT build (scripts/pack.sh), x86-64-v3 and x86-64-v4 side by side, the one the CPU allows running;
#   - `dotnet tool install --tool-path` installs the tool; `nabla --version` prints the package version and a
#     10-iteration `nabla train` runs (real MNIST from ../shared/data when present, else --synthetic), and then every
#     command once (train, eval and predict on .npz and .onnx, export, gradcheck, graph, an experiment);
#   - the same run through `dotnet tool exec` (what `dnx` runs), and the portable package run with `dotnet`;
#   - a new console project that references the Nabla package from the folder trains a TwoLayerNet.
# Exits non-zero, saying which step failed, when any of it does not hold. Usage: scripts/pack-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
work=$(mktemp -d -t nabla-pack-XXXXXX)
trap 'rm -rf "$work"' EXIT
feed=$work/feed
step() { echo "== pack-check: $*"; }
fail() { echo "pack-check: FAILED: $*" >&2; exit 1; }

version=$(dotnet msbuild src/Nabla/Nabla.csproj -getProperty:Version)
step "scripts/pack.sh (version $version) into $feed"
scripts/pack.sh "$feed" -p:ContinuousIntegrationBuild=true -v:q > "$work/pack.log" 2>&1 \
  || { tail -n 30 "$work/pack.log"; fail "scripts/pack.sh"; }

step "package list and sizes"
ls -l "$feed" | awk 'NR > 1 { printf "  %10.1f MB  %s\n", $5 / 1048576, $9 }'
for f in "$feed"/*.nupkg; do
  id=$(basename "$f" ".$version.nupkg")
  case "$id" in
    Nabla|Nabla.Onnx|Nabla.Cli|Nabla.Cli.linux-x64|Nabla.Cli.linux-arm64|Nabla.Cli.osx-x64|Nabla.Cli.osx-arm64|Nabla.Cli.win-x64|Nabla.Cli.any) ;;
    *) fail "$id should not be a package (only the library and the tool pack)";;
  esac
  nuspec=$(unzip -p "$f" '*.nuspec')
  for field in '<readme>README.md</readme>' '<license type="expression">' '<description>' '<tags>' '<repository type="git"'; do
    grep -q "$field" <<< "$nuspec" || fail "$id: the nuspec lacks $field"
  done
  grep -q "commit=\"$(git rev-parse HEAD 2>/dev/null || echo none)\"" <<< "$nuspec" || echo "  note: $id does not name the current commit (uncommitted tree or no git)"
  unzip -l "$f" README.md > /dev/null || fail "$id: README.md is not in the package"
  if [ "$id" != Nabla.Cli ]; then [ -f "$feed/$id.$version.snupkg" ] || fail "$id: no symbols package"; fi
done
for id in Nabla Nabla.Onnx Nabla.Cli Nabla.Cli.linux-x64 Nabla.Cli.any; do [ -f "$feed/$id.$version.nupkg" ] || fail "$id.$version.nupkg was not made"; done
linux=$(stat -c %s "$feed/Nabla.Cli.linux-x64.$version.nupkg")
[ "$linux" -le $((25 * 1024 * 1024)) ] || fail "the Linux x64 tool package is $((linux / 1048576)) MB, over 25 MB"

# From here on, packages are restored into a fresh folder so a package of the same version from an earlier run is never reused.
export NUGET_PACKAGES=$work/nuget-packages
if [ -d ../shared/data/mnist ]; then data=(--data "$(cd ../shared/data/mnist && pwd)"); else data=(--synthetic); fi

step "dotnet tool install --tool-path"
dotnet tool install Nabla.Cli --version "$version" --tool-path "$work/tools" --source "$feed" > "$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "dotnet tool install"; }
# The store holds the pointer package and, inside it, the platform package it chose (.store/nabla.cli/VERSION/nabla.cli.RID).
fetched=$(find "$work/tools/.store" -mindepth 3 -maxdepth 3 -type d -iname 'nabla.cli.*' -printf '%f ' )
echo "  installed: Nabla.Cli and $fetched($(du -sh "$work/tools" | cut -f1) on disk)"
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  [[ " $fetched " == *" nabla.cli.linux-x64 "* ]] || fail "a Linux x64 install did not fetch Nabla.Cli.linux-x64 (got: $fetched)"
  [[ " $fetched " != *" nabla.cli.any "* ]] || fail "a Linux x64 install fetched the portable package"
fi
native=no
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  # The Linux x64 package is Native AOT: one native executable, no IL to JIT.
  store=$(find "$work/tools/.store" -mindepth 3 -maxdepth 3 -type d -iname 'nabla.cli.linux-x64')
  exe=$(find "$store" -type f -name Nabla.Cli | head -n 1)
  [ -n "$exe" ] && head -c 4 "$exe" | grep -q ELF || fail "the Linux x64 package has no native Nabla.Cli executable"
  [ -z "$(find "$store" -name 'Nabla.Cli.dll')" ] || fail "the Linux x64 package carries Nabla.Cli.dll: it is not the Native AOT build"
  wide=$(find "$store" -type f -name Nabla.Cli.avx512 | head -n 1)
  [ -n "$wide" ] && head -c 4 "$wide" | grep -q ELF || fail "the Linux x64 package has no x86-64-v4 build (Nabla.Cli.avx512)"
  native=yes
  echo "  the Linux x64 package is Native AOT ($(du -h "$exe" | cut -f1) x86-64-v3 executable, $(du -h "$wide" | cut -f1) x86-64-v4 one)"
fi
got=$("$work/tools/nabla" --version)
[ "$got" = "$version" ] || fail "nabla --version printed '$got', not '$version'"
echo "  nabla --version: $got"
"$work/tools/nabla" --help | grep -q "nabla \[command\]" || fail "nabla --help does not name the command nabla"
"$work/tools/nabla" train --iters 10 --no-progress --plot "$work/acc.png" "${data[@]}" || fail "nabla train (installed tool)"
[ -s "$work/acc.png" ] || fail "nabla train --plot wrote no PNG (SkiaSharp's native library did not load?)"
if [ "$native" = yes ]; then
  # Which build runs: the x86-64-v4 one where the kernel lists every AVX-512 extension it needs, else the x86-64-v3 one,
  # which is also what NABLA_NATIVE_VARIANT=base keeps. Both train.
  expect=x86-64-v3
  flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
  if (for f in avx512f avx512dq avx512cd avx512bw avx512vl; do grep -qw "$f" <<< "$flags" || exit 1; done); then expect=x86-64-v4; fi
  ran=$(NABLA_TIMINGS=1 "$work/tools/nabla" train --iters 10 --no-progress "${data[@]}" 2>&1 >/dev/null | grep -o 'Native AOT x86-64-v[34]' || true)
  [ "$ran" = "Native AOT $expect" ] || fail "the installed tool ran '${ran:-no timings line}', expected the $expect build on this CPU"
  base=$(NABLA_NATIVE_VARIANT=base NABLA_TIMINGS=1 "$work/tools/nabla" train --iters 10 --no-progress "${data[@]}" 2>&1 >/dev/null | grep -o 'Native AOT x86-64-v[34]' || true)
  [ "$base" = "Native AOT x86-64-v3" ] || fail "NABLA_NATIVE_VARIANT=base ran '${base:-no timings line}', not the x86-64-v3 build"
  echo "  this CPU runs the $expect build; NABLA_NATIVE_VARIANT=base runs the x86-64-v3 one"
fi

step "every command of the installed tool (native: $native)"
t="$work/tools/nabla"
cmd() { echo "  nabla $*"; (cd "$work" && "$t" "$@") > "$work/cmd.log" 2>&1 || { cat "$work/cmd.log"; fail "nabla $*"; }; }
cmd train --iters 30 --no-progress --save "$work/m.npz" "${data[@]}"
cmd export --model "$work/m.npz" --out "$work/m.onnx"
cmd predict "$work/acc.png" --model "$work/m.onnx"
cmd train --model simple-cnn --iters 3 --no-progress "${data[@]}"
if [ "${data[0]}" = --data ]; then   # eval and gradcheck read MNIST (they have no --synthetic)
  cmd eval --model "$work/m.npz" "${data[@]}"
  cmd eval --model "$work/m.onnx" "${data[@]}"
  grep -q "Test accuracy" "$work/cmd.log" || fail "nabla eval of the exported ONNX file printed no accuracy"
  cmd gradcheck "${data[@]}"
else
  echo "  (no ../shared/data/mnist: eval and gradcheck not run)"
fi
cmd graph "x**2 + sin(x*y)" --at x=3,y=4 --backward --out "$work/g.svg"
grep -q "<svg" "$work/g.svg" || fail "nabla graph wrote no SVG"
cmd experiment optimizers-2d
[ -s "$work/out/optimizers-2d.png" ] || fail "nabla experiment optimizers-2d wrote no PNG"

step "dotnet tool exec (dnx)"
dotnet tool exec "Nabla.Cli@$version" --source "$feed" -- train --iters 10 --no-progress "${data[@]}" < /dev/null \
  || fail "dotnet tool exec Nabla.Cli train"

step "the portable (any) package, run with dotnet"
mkdir -p "$work/any" && (cd "$work/any" && unzip -q "$feed/Nabla.Cli.any.$version.nupkg")
dll=$(find "$work/any/tools" -name Nabla.Cli.dll | head -n 1)
[ "$(dotnet "$dll" --version)" = "$version" ] || fail "the portable package's nabla --version"
dotnet "$dll" train --iters 10 --no-progress --plot "$work/any.png" "${data[@]}" > /dev/null || fail "the portable package's nabla train"

step "a new console project referencing the Nabla package"
mkdir -p "$work/consumer"
cat > "$work/consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Nabla" /><package pattern="Nabla.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cat > "$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Nabla" Version="$version" />
  </ItemGroup>
</Project>
XML
cp "$repo/scripts/pack-check-consumer.cs" "$work/consumer/Program.cs"
(cd "$work/consumer" && dotnet run -c Release) || fail "the console project using the Nabla package"
step "OK"
