#!/usr/bin/python3
"""Python baselines for the Perceptron benchmarks (numpy and, if importable, PyTorch).

Measures wall-clock time of the training loop only (float64; data made from a fixed
seed, and its generation is not timed). Prints one JSON object per measurement per line;
"median" is the median of --repeats runs, each starting from the same initial weights.

W1  logistic-regression "perceptron" as in deeplearning.ai course 1, week 2.
    X is (features x samples) as in the course, y is 1 x samples, labels 0/1 from a
    random linear rule y = (v.x + c > 0) with v, c ~ N(0,1), X ~ N(0,1). Zero init,
    full-batch gradient descent, lr 0.005. Per iteration:
        A = sigmoid(w.T X + b); cost = -mean(y log A + (1-y) log(1-A))
        dw = X (A-y).T / m; db = mean(A-y); w -= lr dw; b -= lr db
    Unit: ms/iteration. final_cost = cost computed in the last iteration (before its
    update), as the course's optimize() records it.
W2  MLP 784-128-10, ReLU hidden, softmax cross-entropy, He-normal weights N(0, 2/fan_in),
    zero biases, mini-batch SGD (batch 128, lr 0.1), one epoch over 60,000 samples
    (X ~ N(0,1), labels uniform in 0..9) in a seeded permuted order, last partial batch
    (96 samples) included. Samples are rows. Unit: s/epoch. final_cost = mean per-sample
    loss over the epoch (each batch's loss taken before its update). torch-manual writes
    forward/backward with matmuls; torch-autograd uses nn.Sequential + optim.SGD.
    All frameworks start from the same weights and order, so their costs should agree.

numpy-malloc is numpy with glibc's MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ raised, so that
its large temporaries are not unmapped and faulted in again on every operation (several times
faster on W1 100x100000 and W2 here). PyTorch runs with 2 threads (torch, torch-manual,
torch-autograd) and with 1 (the same names with -1t).

Usage (run with the interpreter that has python3-numpy / python3-torch: /usr/bin/python3):
    baseline.py --workload w1 --features 100 --samples 100000 --iterations 200 --framework numpy
    baseline.py --workload w2 --framework torch        # torch-manual and torch-autograd
    baseline.py --workload w2 --framework torch --threads 1
    baseline.py --workload w2 --framework numpy-malloc
    baseline.py --all [--peak-memory]                  # every workload/shape/framework
"other_load" is the average number of cores other processes used meanwhile (from
/proc/stat); well above 0 means the timing was disturbed. --peak-memory adds
"peak_rss_mb" (ru_maxrss of the process); --all runs each measurement in its own
subprocess, so that figure belongs to that measurement alone.
"""
import argparse, importlib.util, json, os, resource, statistics, subprocess, sys, time

try:
    import numpy as np
except ImportError:
    sys.exit(f"numpy is not importable by {sys.executable}; the Debian package is for /usr/bin/python3")

W1_SHAPES = [(12288, 209, 2000), (100, 100000, 200), (1000, 20000, 200)]
LR1, LR2, BATCH, EPOCH_SAMPLES = 0.005, 0.1, 128, 60000


def load_torch(threads=2):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64)
    return torch


# ---------------------------------------------------------------- W1
def w1_data(n, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, m))
    v, c = rng.standard_normal(n), rng.standard_normal()
    Y = (v @ X + c > 0).astype(np.float64).reshape(1, m)
    return X, Y


def w1_numpy(X, Y, iterations):
    n, m = X.shape
    w, b = np.zeros((n, 1)), 0.0
    for _ in range(iterations):
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        dZ = A - Y
        dw = X @ dZ.T / m
        db = np.mean(dZ)
        w -= LR1 * dw
        b -= LR1 * db
    return float(cost)


def w1_torch(torch, X, Y, iterations):
    n, m = X.shape
    w, b = torch.zeros((n, 1)), 0.0
    for _ in range(iterations):
        A = torch.sigmoid(w.T @ X + b)
        cost = -torch.mean(Y * torch.log(A) + (1 - Y) * torch.log(1 - A))
        dZ = A - Y
        dw = X @ dZ.T / m
        db = torch.mean(dZ).item()
        w -= LR1 * dw
        b -= LR1 * db
    return cost.item()


# ---------------------------------------------------------------- W2
def w2_data(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((EPOCH_SAMPLES, 784))
    y = rng.integers(0, 10, EPOCH_SAMPLES)
    perm = rng.permutation(EPOCH_SAMPLES)
    init = dict(W1=rng.standard_normal((784, 128)) * np.sqrt(2 / 784), b1=np.zeros(128),
                W2=rng.standard_normal((128, 10)) * np.sqrt(2 / 128), b2=np.zeros(10))
    return X, y, perm, init


def w2_numpy(X, y, perm, init):
    W1, b1, W2, b2 = (init[k].copy() for k in ("W1", "b1", "W2", "b2"))
    total = 0.0
    for s in range(0, len(perm), BATCH):
        idx = perm[s:s + BATCH]
        Xb, yb, B = X[idx], y[idx], len(idx)
        Z1 = Xb @ W1 + b1
        H = np.maximum(Z1, 0)
        Z2 = H @ W2 + b2
        Z2 = Z2 - Z2.max(axis=1, keepdims=True)
        logp = Z2 - np.log(np.exp(Z2).sum(axis=1, keepdims=True))
        total -= logp[np.arange(B), yb].sum()
        dZ2 = np.exp(logp)
        dZ2[np.arange(B), yb] -= 1
        dZ2 /= B
        dW2, db2 = H.T @ dZ2, dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        dW1, db1 = Xb.T @ dZ1, dZ1.sum(axis=0)
        W1 -= LR2 * dW1; b1 -= LR2 * db1; W2 -= LR2 * dW2; b2 -= LR2 * db2
    return total / len(perm)


def w2_torch_manual(torch, X, y, perm, init):
    W1, b1, W2, b2 = (init[k].clone() for k in ("W1", "b1", "W2", "b2"))
    total = torch.zeros(())
    with torch.no_grad():
        for s in range(0, len(perm), BATCH):
            idx = perm[s:s + BATCH]
            Xb, yb, B = X[idx], y[idx], len(idx)
            rows = torch.arange(B)
            Z1 = Xb @ W1 + b1
            H = torch.relu(Z1)
            logp = torch.log_softmax(H @ W2 + b2, dim=1)
            total -= logp[rows, yb].sum()
            dZ2 = torch.exp(logp)
            dZ2[rows, yb] -= 1
            dZ2 /= B
            dW2, db2 = H.T @ dZ2, dZ2.sum(dim=0)
            dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
            dW1, db1 = Xb.T @ dZ1, dZ1.sum(dim=0)
            W1 -= LR2 * dW1; b1 -= LR2 * db1; W2 -= LR2 * dW2; b2 -= LR2 * db2
    return total.item() / len(perm)


def w2_torch_autograd(torch, X, y, perm, init):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    with torch.no_grad():  # nn.Linear keeps weights as (out, in)
        model[0].weight.copy_(init["W1"].T); model[0].bias.copy_(init["b1"])
        model[2].weight.copy_(init["W2"].T); model[2].bias.copy_(init["b2"])
    opt = torch.optim.SGD(model.parameters(), lr=LR2)
    loss_fn = nn.CrossEntropyLoss()
    total = torch.zeros(())
    for s in range(0, len(perm), BATCH):
        idx = perm[s:s + BATCH]
        loss = loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.detach() * len(idx)
    return total.item() / len(perm)


# ---------------------------------------------------------------- driver
def busy_cpu_seconds():
    """CPU seconds spent by the whole machine so far (Linux /proc/stat), None elsewhere."""
    try:
        with open("/proc/stat") as f:
            t = [int(v) for v in f.readline().split()[1:9]]
        return (sum(t) - t[3] - t[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
    except (OSError, ValueError):
        return None


def measure(fn, repeats):
    """Returns run times (s), the last cost, and other_load: the average number of cores
    that other processes kept busy meanwhile (0 on a quiet machine)."""
    runs, cost = [], None
    busy0, self0, wall0 = busy_cpu_seconds(), sum(os.times()[:2]), time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        cost = fn()
        runs.append(time.perf_counter() - t0)
    other = None
    if busy0 is not None:
        own = sum(os.times()[:2]) - self0
        other = max(0.0, busy_cpu_seconds() - busy0 - own) / (time.perf_counter() - wall0)
    return runs, cost, other


def blas_info():
    """Which BLAS kernel this process ran (the fairness rule of issue 12): threadpoolctl's view of the
    loaded BLAS libraries (architecture is OpenBLAS's core type), else numpy's build configuration; and
    the OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE this process saw (bench/compare.sh unsets both)."""
    info = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        import threadpoolctl
        info["libraries"] = [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                             for lib in threadpoolctl.threadpool_info() if lib.get("user_api") == "blas"]
    except ImportError:
        try:
            blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
            info["numpy_blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
        except Exception as error:  # older numpy: no mode="dicts"
            info["numpy_blas"] = f"unknown ({error}); install python3-threadpoolctl"
    return info


def emit(args, workload, shape, framework, version, unit, scale, runs, cost, other):
    runs = [round(r * scale, 4) for r in runs]
    rec = dict(workload=workload, shape=shape, framework=framework, version=version, unit=unit,
               median=round(statistics.median(runs), 4), runs=runs, final_cost=round(cost, 8),
               other_load=None if other is None else round(other, 2), blas=blas_info())
    if args.peak_memory:
        rec["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(rec), flush=True)


# glibc returns every large numpy temporary to the kernel (mmap/munmap) and pays page faults to get
# it back; these thresholds keep freed memory in the heap. numpy-malloc is numpy under them.
MALLOC_TUNING = {"MALLOC_MMAP_THRESHOLD_": "1000000000", "MALLOC_TRIM_THRESHOLD_": "1000000000"}


def run_one(args):
    is_numpy = args.framework.startswith("numpy")
    if args.framework == "numpy-malloc" and any(os.environ.get(k) != v for k, v in MALLOC_TUNING.items()):
        # glibc reads the variables at start-up: start again with them.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC_TUNING})
    torch = load_torch(args.threads) if not is_numpy else None
    if not is_numpy and torch is None:
        sys.exit("torch is not importable; skipping " + args.framework)
    tv = torch.__version__ if torch else None
    suffix = "" if args.threads == 2 else f"-{args.threads}t"
    if args.workload == "w1":
        n, m, it = args.features, args.samples, args.iterations
        X, Y = w1_data(n, m, args.seed)
        if is_numpy:
            runs, cost, other = measure(lambda: w1_numpy(X, Y, it), args.repeats)
            fw, ver = args.framework, np.__version__
        else:
            Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
            runs, cost, other = measure(lambda: w1_torch(torch, Xt, Yt, it), args.repeats)
            fw, ver = "torch" + suffix, tv
        emit(args, "w1", f"{n}x{m}", fw, ver, "ms/iteration", 1000 / it, runs, cost, other)
    else:
        X, y, perm, init = w2_data(args.seed)
        if is_numpy:
            runs, cost, other = measure(lambda: w2_numpy(X, y, perm, init), args.repeats)
            emit(args, "w2", "784-128-10", args.framework, np.__version__, "s/epoch", 1, runs, cost, other)
            return
        Xt, yt, pt = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(perm)
        it = {k: torch.from_numpy(v) for k, v in init.items()}
        kinds = ["torch-manual", "torch-autograd"] if args.framework == "torch" else [args.framework]
        for kind in kinds:
            fn = w2_torch_manual if kind == "torch-manual" else w2_torch_autograd
            runs, cost, other = measure(lambda: fn(torch, Xt, yt, pt, it), args.repeats)
            emit(args, "w2", "784-128-10", kind + suffix, tv, "s/epoch", 1, runs, cost, other)


def run_all(args):
    """Each measurement in a fresh process (own peak RSS, no state carried over)."""
    # find_spec, not import: a forked child inherits the parent's RSS into its ru_maxrss
    # PyTorch with 2 threads and with 1: on this 2-core machine 1 thread was often faster for W2.
    frameworks = [["numpy"], ["numpy-malloc"]]
    if importlib.util.find_spec("torch"):
        frameworks += [["torch", "--threads", "2"], ["torch", "--threads", "1"]]
    else:
        print("torch is not importable: numpy only", file=sys.stderr)
    jobs = [["--workload", "w1", "--features", str(n), "--samples", str(m), "--iterations", str(i)]
            for n, m, i in W1_SHAPES] + [["--workload", "w2"]]
    common = ["--repeats", str(args.repeats), "--seed", str(args.seed)] + (["--peak-memory"] if args.peak_memory else [])
    for job in jobs:
        for fw in frameworks:
            subprocess.run([sys.executable, __file__, *job, "--framework", *fw, *common], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", choices=["w1", "w2"])
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--samples", type=int, default=100000)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--framework", default="numpy",
                   choices=["numpy", "numpy-malloc", "torch", "torch-manual", "torch-autograd"])
    p.add_argument("--threads", type=int, default=2, help="PyTorch threads (labels get -1t for 1)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--peak-memory", action="store_true")
    p.add_argument("--all", action="store_true")
    args = p.parse_args()
    if args.all:
        run_all(args)
    elif args.workload:
        run_one(args)
    else:
        p.error("give --workload or --all")


if __name__ == "__main__":
    main()
