#!/usr/bin/env bash
# How the cost of a W1 iteration (the seed perceptron, LogisticRegression.Optimize) grows with the
# number of samples (at 100 features) and of features (at 10,000 samples): Perceptron as a user gets
# it (start-up kernel selection) against numpy with tuned malloc (its faster configuration here),
# each shape in its own process, median of 3 runs.
# Writes bench/last-scaling.jsonl, prints a markdown table and, when /usr/bin/python3 has
# matplotlib, draws docs/scaling.png.
# Usage: bench/scaling.sh            (about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/last-scaling.jsonl
plot=docs/scaling.png

dotnet build bench/Perceptron.Benchmarks -c Release -v quiet -nologo >/dev/null
bench=bench/Perceptron.Benchmarks/bin/Release/net10.0/Perceptron.Benchmarks.dll
: > "$out"

# (features samples): samples grow at 100 features, then features grow at 10,000 samples.
shapes=("100 1000" "100 3000" "100 10000" "100 30000" "100 100000" "100 300000"
        "10 10000" "30 10000" "300 10000" "1000 10000" "3000 10000")
for shape in "${shapes[@]}"; do
  read -r f n <<< "$shape"
  # About 4e8 multiply-adds of each product per run, between 10 and 2000 iterations.
  iterations=$(( 400000000 / (f * n) ))
  iterations=$(( iterations < 10 ? 10 : iterations > 2000 ? 2000 : iterations ))
  echo "${f} features x ${n} samples, ${iterations} iterations..." >&2
  dotnet "$bench" compare w1 --features "$f" --samples "$n" --iterations "$iterations" --repeats 3 >> "$out"
  /usr/bin/python3 bench/python/baseline.py --workload w1 --features "$f" --samples "$n" \
    --iterations "$iterations" --framework numpy-malloc --repeats 3 >> "$out"
done

/usr/bin/python3 - "$out" "$plot" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
shapes = []
for r in rows:
    if r["shape"] not in shapes:
        shapes.append(r["shape"])
def median(shape, framework):
    return next((r["median"] for r in rows if r["shape"] == shape and r["framework"] == framework), None)
print("| features x samples | values | numpy-malloc (ms/iteration) | perceptron (ms/iteration) | perceptron / numpy | perceptron ns per value |")
print("|---|---|---|---|---|---|")
series = {"samples": [], "features": []}
for s in shapes:
    f, n = (int(v) for v in s.split("x"))
    numpy, ours = median(s, "numpy-malloc"), median(s, "perceptron")
    if numpy is None or ours is None:
        continue
    print(f"| {f} x {n} | {f * n:,} | {numpy:.3g} | {ours:.3g} | {ours / numpy:.2f}x | {ours * 1e6 / (f * n):.2f} |")
    if f == 100:
        series["samples"].append((n, numpy, ours))
    if n == 10000:
        series["features"].append((f, numpy, ours))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not importable: no plot", file=sys.stderr)
    sys.exit(0)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (key, label) in zip(axes, [("samples", "samples (100 features)"), ("features", "features (10,000 samples)")]):
    points = sorted(series[key])
    xs = [p[0] for p in points]
    ax.loglog(xs, [p[1] for p in points], "o-", label="numpy (tuned malloc)")
    ax.loglog(xs, [p[2] for p in points], "s-", label="Perceptron")
    ax.set_xlabel(label)
    ax.set_ylabel("ms per W1 iteration")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
fig.suptitle("W1 (logistic regression, full batch): time per iteration, bench/scaling.sh")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"plot: {sys.argv[2]}", file=sys.stderr)
PY
