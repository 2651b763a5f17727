#!/usr/bin/python3
"""Writes data/flower.csv: the planar "flower" data set of the deep-learning course's
shallow-network assignment (load_planar_dataset), with the same formula and seed.
400 points, 2 classes (petals), not linearly separable. Needs numpy."""
import os
import numpy as np

np.random.seed(1)
m, N, D, a = 400, 200, 2, 4  # samples, points per class, dimensions, maximum ray of the flower
X = np.zeros((m, D))
Y = np.zeros(m, dtype=int)
for j in range(2):
    ix = range(N * j, N * (j + 1))
    t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2  # theta
    r = a * np.sin(4 * t) + np.random.randn(N) * 0.2  # radius
    X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
    Y[ix] = j

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flower.csv")
with open(path, "w") as f:
    f.write("x1,x2,petal\n")
    for (x1, x2), y in zip(X, Y):
        f.write(f"{x1!r},{x2!r},{y}\n")
print(f"wrote {path}: {m} samples")
