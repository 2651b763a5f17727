#!/usr/bin/env bash
# Side-by-side speed of Perceptron, numpy and PyTorch on this machine, in one run.
#   W1: the seed perceptron (LogisticRegression.Optimize), full batch, three shapes; ms per iteration.
#   W2: MLP 784-128-10, ReLU, softmax, SGD batch 128 (Classifier.Train), one epoch of 60,000; s per epoch.
# Each measurement runs in its own process (--repeats runs each), and the whole set runs --rounds times,
# interleaved; a cell is the median of all its runs (rounds x repeats).
# Columns: numpy, and numpy-malloc (glibc told to keep freed memory); PyTorch with 2 threads and -1t
# with 1; perceptron-app is the library as a C# application gets it: bench/DefaultApp, a console app
# with .NET's default settings (quick JIT on) and the start-up kernel selection; that is the headline.
# perceptron is the same code in the tuned benchmark host (quick JIT off), perceptron-openblas and
# perceptron-managed force one kernel path there (PERCEPTRON_KERNELS). Ratios are against the fastest
# numpy and the fastest PyTorch column of the same run.
# Fairness: numpy and PyTorch run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (in their command
# alone), so OpenBLAS picks its own kernels; each of their records says which kernel ran ("blas"), and
# the output's first lines record both settings as this shell had them.
# Needs /usr/bin/python3 with python3-numpy (python3-threadpoolctl to name the kernel; python3-torch
# for the PyTorch columns).
# Usage: bench/compare.sh [--repeats R] [--rounds K] [--out FILE.jsonl] [--smoke]   (about 8 minutes
# on 2 cores; --smoke: W1 only with a tenth of the iterations, one repeat and one round, to check the script)
#        bench/compare.sh --summary FILE.jsonl   (the tables of an earlier run's records, without running)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=3
rounds=2
smoke=0
out=bench/last-compare.jsonl
summary=
while [ $# -gt 0 ]; do
  case $1 in
    --repeats) repeats=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --smoke) smoke=1; repeats=1; rounds=1; shift ;;
    --summary) summary=$2; shift 2 ;;
    *) echo "usage: bench/compare.sh [--repeats R] [--rounds K] [--out FILE.jsonl] [--smoke] | --summary FILE.jsonl" >&2; exit 2 ;;
  esac
done

if [ -n "$summary" ]; then
  # Only the tables, from the records of an earlier run (e.g. the committed bench/last-compare.jsonl).
  out=$summary
else
dotnet build bench/DefaultApp/DefaultApp.csproj -c Release -v quiet -nologo >/dev/null
bench=bench/Perceptron.Benchmarks/bin/Release/net10.0/Perceptron.Benchmarks.dll
app=bench/DefaultApp/bin/Release/net10.0/DefaultApp.dll
: > "$out"
# The settings as this shell has them; the baselines run without them (the fairness rule).
printf '{"workload": "settings", "OPENBLAS_CORETYPE": "%s", "OPENBLAS_L2_SIZE": "%s", "baselines_ran_with": "both unset", "load_average": "%s"}\n' \
  "${OPENBLAS_CORETYPE-<unset>}" "${OPENBLAS_L2_SIZE-<unset>}" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out"

python_frameworks=("numpy" "numpy-malloc")
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  python_frameworks+=("torch --threads 2" "torch --threads 1")
else
  echo "torch is not importable by /usr/bin/python3: no PyTorch columns" >&2
fi
# "default" is the start-up selection (what a user gets); native and managed force one path.
kernel_choices=("default" "managed")
if ldconfig -p | grep -q libopenblas.so.0; then
  kernel_choices=("default" "native" "managed")
else
  echo "libopenblas.so.0 not installed: no perceptron-openblas column" >&2
fi

# One workload at a time, every framework in turn, and the whole set --rounds times: the machine's
# speed drifts (up to 25 % between minutes here), and interleaving spreads the drift over all columns.
workloads=("w1 12288 209 2000" "w1 100 100000 200" "w1 1000 20000 200" "w2")
[ "$smoke" = 1 ] && workloads=("w1 12288 209 200" "w1 100 100000 20" "w1 1000 20000 20")
# The runtime's own working set at the start of Main in a default app: the floor under every peak below.
dotnet "$app" rss >> "$out"
for round in $(seq 1 "$rounds"); do
  echo "round $round: read bandwidth..." >&2
  dotnet "$bench" compare bandwidth --megabytes 400 --repeats 5 >> "$out"
  for workload in "${workloads[@]}"; do
    read -r w f n i <<< "$workload"
    echo "round $round: $w ${f:+$f x $n}..." >&2
    if [ "$w" = w1 ]; then shape=(--features "$f" --samples "$n" --iterations "$i"); else shape=(); fi
    for fw in "${python_frameworks[@]}"; do
      # shellcheck disable=SC2086
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/python/baseline.py --workload "$w" "${shape[@]}" --framework $fw \
        --repeats "$repeats" --peak-memory >> "$out"
    done
    for kernels in "${kernel_choices[@]}"; do
      if [ "$kernels" = default ]; then unset PERCEPTRON_KERNELS; else export PERCEPTRON_KERNELS=$kernels; fi
      dotnet "$bench" compare "$w" "${shape[@]}" --repeats "$repeats" >> "$out"
    done
    unset PERCEPTRON_KERNELS
    dotnet "$app" compare "$w" "${shape[@]}" --repeats "$repeats" >> "$out"
  done
done

if [ "$smoke" = 0 ]; then
  echo "loading a 1,000,000 x 20 CSV file..." >&2
  dotnet "$bench" compare load --rows 1000000 --columns 20 >> "$out"
fi
fi

/usr/bin/python3 - "$out" <<'PY'
import json, sys
import statistics
raw = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
settings = next((r for r in raw if r["workload"] == "settings"), None)
bandwidth = [r for r in raw if r["workload"] == "bandwidth"]
runtime = next((r for r in raw if r["workload"] == "runtime"), None)
raw = [r for r in raw if r["workload"] not in ("settings", "bandwidth", "runtime")]
if settings:
    print(f'This shell: OPENBLAS_CORETYPE={settings["OPENBLAS_CORETYPE"]}, OPENBLAS_L2_SIZE={settings["OPENBLAS_L2_SIZE"]}; '
          f'numpy and PyTorch ran with {settings["baselines_ran_with"]}; load average {settings["load_average"]}.')
kernels = sorted({json.dumps(r["blas"], sort_keys=True) for r in raw if r.get("blas")})
for k in kernels:
    print(f"Baseline BLAS: {k}")
print()
# One row per (workload, shape, framework): the median of every run of every round, the largest peak.
rows, index = [], {}
for r in raw:
    key = (r["workload"], r["shape"], r["framework"])
    if key not in index:
        index[key] = dict(r, runs=list(r.get("runs", [])))
        rows.append(index[key])
    else:
        merged = index[key]
        merged["runs"] += r.get("runs", [])
        for k in ("peak_rss_mb", "training_peak_rss_mb", "rss_before_training_mb"):
            if k in r:
                merged[k] = max(merged.get(k, 0), r[k])
for r in rows:
    if r["runs"]:
        r["median"] = statistics.median(r["runs"])
def get(workload, shape, framework):
    return index.get((workload, shape, framework))
frameworks = ["numpy", "numpy-malloc", "torch", "torch-1t", "torch-manual", "torch-manual-1t",
              "torch-autograd", "torch-autograd-1t", "perceptron-app", "perceptron", "perceptron-openblas",
              "perceptron-managed"]
shapes = [("w1", "12288x209"), ("w1", "100x100000"), ("w1", "1000x20000"), ("w2", "784-128-10")]
present = [f for f in frameworks if any(r["framework"] == f for r in rows)]
print("| workload | " + " | ".join(present)
      + " | app / best numpy | app / best torch | perceptron / best numpy | managed / best numpy |")
print("|---|" + "---|" * (len(present) + 4))
for w, s in shapes:
    if not any(r["workload"] == w and r["shape"] == s for r in rows):
        continue
    cells, value = [], {}
    for f in present:
        r = get(w, s, f)
        value[f] = r["median"] if r else None
        cells.append("-" if r is None else f'{r["median"]:.3g}')
    def best(prefix):
        found = [v for f, v in value.items() if f.startswith(prefix) and v is not None]
        return min(found) if found else None
    def ratio(a, b):
        return "-" if value.get(a) is None or b is None else f"{value[a] / b:.2f}x"
    unit = next(r["unit"] for r in rows if r["workload"] == w)
    print(f"| {w.upper()} {s} ({unit}) | " + " | ".join(cells)
          + f' | {ratio("perceptron-app", best("numpy"))} | {ratio("perceptron-app", best("torch"))}'
          + f' | {ratio("perceptron", best("numpy"))} | {ratio("perceptron-managed", best("numpy"))} |')
if bandwidth:
    # Each round's best pass: the machine's read ceiling, which W1's memory-bound shapes approach. It moves
    # between rounds (this virtual machine's two cores sometimes reach more memory channels), so the rates
    # below are given against the highest and the lowest round's ceiling.
    print()
    print(f"Read bandwidth (sum of {bandwidth[0]['shape']}), round by round: "
          + "; ".join(f'{r["one_thread"]:.1f} GB/s on one thread, {r["two_threads"]:.1f} GB/s on two' for r in bandwidth) + ".")
    print()
    # Against the better of the two: on a loaded machine the two-thread pass can be the slower.
    ceilings = [max(r["one_thread"], r["two_threads"]) for r in bandwidth]
    high, low = max(ceilings), min(ceilings)
    print(f"| W1 shape | framework | ms/iteration | features read, GB/s | of the read bandwidth ({high:.1f} - {low:.1f} GB/s) |")
    print("|---|---|---|---|---|")
    for w, s in shapes:
        if w != "w1":
            continue
        for f in present:
            r = get(w, s, f)
            if r and f.startswith("perceptron") and r.get("median"):
                rate = r["data_mb"] / r["median"]  # MB per ms = GB/s
                print(f"| {s} | {f} | {r['median']:.3g} | {rate:.1f} | {100 * rate / high:.0f} - {100 * rate / low:.0f} % |")
print()
# Peak RSS of the whole process (numpy: ru_maxrss); for Perceptron also the process before training (runtime
# and data) and its peak while training (Linux's peak reset between the two), and what training added.
print("| workload | framework | peak RSS (MB) | data (MB) | peak / data | before training (MB) | peak while training (MB) | added by training (MB) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if "peak_rss_mb" in r and r["workload"] != "load-csv":
        data = r.get("data_mb")
        ratio = f'{r["peak_rss_mb"] / data:.2f}x' if data else ""
        before, during = r.get("rss_before_training_mb"), r.get("training_peak_rss_mb")
        added = f"{during - before:.1f}" if before is not None and during is not None else "-"
        print(f'| {r["workload"].upper()} {r["shape"]} | {r["framework"]} | {r["peak_rss_mb"]} | {data or ""} | {ratio}'
              f' | {before if before is not None else "-"} | {during if during is not None else "-"} | {added} |')
if runtime:
    print()
    print(f'A default app before the library loads (DefaultApp rss, at the start of Main): {runtime["rss_at_main_mb"]} MB.')
for r in rows:
    if r["workload"] == "load-csv":
        print()
        print(f'Table.Load of a {r["shape"]} CSV file ({r["file_mb"]} MB of text, a {r["matrix_mb"]} MB matrix): '
              f'{r["median"]} s, peak working set {r["peak_rss_mb"]} MB.')
PY
