#!/usr/bin/env bash
# The install test: packs the packages as a release would (`dotnet pack -c Release -o artifacts`),
# checks what each package carries, then uses them as a new user would, with NuGet's package folder
# and the CLI's home in empty temporary folders, so that a warm cache cannot hide a missing dependency:
#   1. a fresh `dotnet new console` app takes `Perceptron` from artifacts/ (and its dependencies from
#      the registry), and compiles and runs the README's C# quick start;
#   2. `dotnet tool install Perceptron.Cli --add-source artifacts --tool-path DIR`, then
#      `DIR/perceptron train` must print its test accuracy, and `DIR/perceptron export` write ONNX.
# Prints "install test: passed" or the first failure, and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() {
  echo "install test: FAILED: $*" >&2
  exit 1
}

step_started=$SECONDS
timed() {
  echo "install test: $* ($((SECONDS - step_started)) s)"
  step_started=$SECONDS
}

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[ -n "$version" ] || fail "no <Version> in Directory.Build.props"

# Packing builds the repository, so it uses the usual package cache; only the user's side starts cold.
rm -rf artifacts
dotnet pack -c Release -o artifacts -v quiet -nologo >/dev/null || fail "dotnet pack -c Release -o artifacts"
timed "packed version $version"

# What each package carries: readme, licence, repository, XML docs, symbols, minimum-version dependencies.
# The SDK's runtime identifier: build/ReadyToRun.targets precompiles the libraries where it is linux-x64.
sdk_rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
python3 - "$version" "$sdk_rid" <<'EOF' || fail "package contents (see above)"
import re, struct, sys, zipfile
version, sdk_rid = sys.argv[1], sys.argv[2]
problems = []

def ready_to_run(image):
    # The CLI header's flags (ECMA-335 II.25.3.3): COMIMAGE_FLAGS_IL_LIBRARY marks a ReadyToRun image.
    pe = struct.unpack_from("<I", image, 0x3C)[0]
    sections, optional_size = struct.unpack_from("<H", image, pe + 6)[0], struct.unpack_from("<H", image, pe + 20)[0]
    optional = pe + 24
    directories = optional + (96 if struct.unpack_from("<H", image, optional)[0] == 0x10B else 112)
    cli_rva = struct.unpack_from("<I", image, directories + 14 * 8)[0]
    for i in range(sections):
        header = optional + optional_size + 40 * i
        size, rva, _, raw = struct.unpack_from("<IIII", image, header + 8)
        if rva <= cli_rva < rva + size:
            return struct.unpack_from("<I", image, raw + cli_rva - rva + 16)[0] & 0x4 != 0
    return False
for package, assembly, prefix in [("Perceptron.Core", "Perceptron.Core", "lib/net10.0/"),
                                  ("Perceptron", "Perceptron.Facade", "lib/net10.0/"),
                                  ("Perceptron.Cli", "perceptron", "tools/net10.0/any/")]:
    path = f"artifacts/{package}.{version}.nupkg"
    try:
        files = zipfile.ZipFile(path).namelist()
        nuspec = zipfile.ZipFile(path).read(f"{package}.nuspec").decode("utf-8-sig")
        symbols = zipfile.ZipFile(f"artifacts/{package}.{version}.snupkg").namelist()
    except (OSError, KeyError) as e:
        problems.append(f"{path}: {e}")
        continue
    for needed in ["<readme>README.md</readme>", '<license type="expression">', "<repository ", "<description>", "<tags>"]:
        if needed not in nuspec:
            problems.append(f"{path}: the nuspec has no {needed}")
    for needed in ["README.md", f"{prefix}{assembly}.dll", f"{prefix}{assembly}.xml"]:
        if needed not in files:
            problems.append(f"{path}: no {needed}")
    if f"{prefix}{assembly}.pdb" not in symbols:
        problems.append(f"{package}.{version}.snupkg: no {prefix}{assembly}.pdb")
    # Libraries declare minimum versions: an exact "[x]" makes an application with another patch fail.
    for dependency, range_ in re.findall(r'<dependency id="([^"]+)" version="([^"]+)"', nuspec):
        if range_.startswith("["):
            problems.append(f"{path}: dependency {dependency} {range_} is exact; expected a minimum version")
    if package == "Perceptron" and f'<dependency id="Perceptron.Core" version="{version}"' not in nuspec:
        problems.append(f"{path}: no dependency on Perceptron.Core {version}")
    if package == "Perceptron.Cli" and '<packageType name="DotnetTool" />' not in nuspec:
        problems.append(f"{path}: not a .NET tool package")
    # Packed where the SDK's runtime identifier is linux-x64, the libraries also carry a ReadyToRun image for linux-x64 (build/ReadyToRun.targets);
    # lib/ keeps the IL, which every other platform loads.
    if package != "Perceptron.Cli":
        native = f"runtimes/linux-x64/lib/net10.0/{assembly}.dll"
        with zipfile.ZipFile(path) as z:
            if ready_to_run(z.read(f"{prefix}{assembly}.dll")):
                problems.append(f"{path}: {prefix}{assembly}.dll is a ReadyToRun image; expected IL that any platform loads")
            if sdk_rid == "linux-x64" and (native not in files or not ready_to_run(z.read(native))):
                problems.append(f"{path}: no ReadyToRun image {native}")
for problem in problems:
    print(f"install test: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
timed "package contents checked"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/nuget-packages" DOTNET_CLI_HOME="$work/home"
mkdir -p "$NUGET_PACKAGES" "$DOTNET_CLI_HOME"

# 1. A fresh console app. Perceptron* come only from artifacts/, everything else from the registry.
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="artifacts" value="$root/artifacts" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="artifacts"><package pattern="Perceptron*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
EOF
app="$work/app"
dotnet new console -o "$app" --framework net10.0 >/dev/null || fail "dotnet new console"
dotnet add "$app" package Perceptron --version "$version" >"$work/add.log" 2>&1 \
  || { cat "$work/add.log" >&2; fail "dotnet add package Perceptron --version $version"; }

# The README's quick start: its first C# block, exactly as written (ReadmeTests runs every block the
# same way, as a program of its own from the repository root).
awk '/^```csharp$/ { n++; if (n == 1) { inside = 1; next } } /^```$/ { inside = 0 } inside' README.md >"$app/Program.cs"
grep -q 'Classifier.Train' "$app/Program.cs" || fail "no quick start found in README.md"
timed "console app created"

dotnet build "$app" -c Release -v quiet -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "the quick start does not compile against the packages"; }
# From the repository root, where the quick start finds data/breast-cancer.csv.
out=$(cd "$root" && dotnet run --project "$app" -c Release --no-build) \
  || fail "the quick start failed: $out"
echo "$out" | sed 's/^/  /'
echo "$out" | grep -q '^test accuracy .*, AUC ' || fail "the quick start printed no test accuracy"
echo "$out" | grep -q '^P(malignant) of the first test sample' || fail "the quick start did not reach its end"
bin="$app/bin/Release/net10.0"
[ -f "$bin/FSharp.Core.dll" ] || fail "FSharp.Core.dll is not in the app's output"
satellites=$(find "$bin" -name 'FSharp.Core.resources.dll' | wc -l)
[ "$satellites" = 0 ] || fail "FSharp.Core's satellite assemblies were copied into the app's output ($satellites)"
[ -d "$NUGET_PACKAGES/fsharp.core" ] || fail "FSharp.Core did not come through the empty package folder"
timed "quick start compiled and ran against the packages"

# 2. The tool.
tools="$work/tools"
dotnet tool install Perceptron.Cli --version "$version" --add-source "$root/artifacts" --tool-path "$tools" \
  >"$work/tool.log" 2>&1 || { cat "$work/tool.log" >&2; fail "dotnet tool install Perceptron.Cli"; }
out=$(cd "$work" && "$tools/perceptron" train --print-every 1000 --model model.json) || fail "perceptron train failed: $out"
echo "$out" | sed 's/^/  /'
echo "$out" | grep -q '^test accuracy: *[0-9.]* %' || fail "perceptron train printed no test accuracy"
out=$(cd "$work" && "$tools/perceptron" export --model model.json --output model.onnx) || fail "perceptron export failed: $out"
echo "$out" | sed 's/^/  /'
[ -s "$work/model.onnx" ] || fail "perceptron export wrote no model.onnx"
version_line=$("$tools/perceptron" --version) || fail "perceptron --version failed"
case "$version_line" in "perceptron $version "*) ;; *) fail "perceptron --version printed '$version_line', expected version $version" ;; esac
timed "tool installed and trained"

echo "install test: passed"
