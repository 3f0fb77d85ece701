"""Figure of the softmax chapter: a classifier trained on three spirals.

The data set and the training are the page's own: `make_spirals` with 100
points per class, 3 classes and seed 0; `train_classifier` with 32 hidden
units, seed 1 and its default learning rate, for 1000 epochs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from labcode.bench.machine import blas_threads
from labcode.figures import figure
from labcode.softmax import make_spirals, predict, train_classifier

__all__ = ["SPIRALS", "CLASSIFIER", "spiral_classifier"]

#: Arguments of `make_spirals` on the page (``seed`` seeds the generator).
SPIRALS = {"n_per_class": 100, "q": 3, "seed": 0}
#: Arguments of `train_classifier` on the page (``seed`` seeds the generator).
CLASSIFIER = {"d": 32, "seed": 1, "epochs": 1000}

_COLOURS = ("tab:blue", "tab:orange", "tab:green")


@figure("spiral-classifier.svg")
def spiral_classifier() -> plt.Figure:
    """The loss of every epoch (left) and the decision regions with the data (right).

    Returns
    -------
    matplotlib.figure.Figure
    """
    X, labels = make_spirals(SPIRALS["n_per_class"], SPIRALS["q"], np.random.default_rng(SPIRALS["seed"]))
    with blas_threads(1):
        trained = train_classifier(X, labels, CLASSIFIER["d"], np.random.default_rng(CLASSIFIER["seed"]),
                                   epochs=CLASSIFIER["epochs"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3.4), gridspec_kw={"width_ratios": [1.25, 1]})

    epochs = np.arange(1, len(trained.losses) + 1)
    left.semilogy(epochs, trained.losses, color="tab:blue", linewidth=1.8)
    left.set_xlabel("epoch")
    left.set_ylabel("mean cross-entropy (log scale)")
    left.set_xlim(0, len(trained.losses))
    left.grid(True, which="both", alpha=0.3)
    left.set_title("Loss, full-batch gradient descent")

    grid = np.linspace(-1.25, 1.25, 251)
    gx, gy = np.meshgrid(grid, grid)
    regions = predict(trained.params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    q = SPIRALS["q"]
    right.contourf(gx, gy, regions, levels=np.arange(q + 1) - 0.5, cmap=ListedColormap(_COLOURS[:q]), alpha=0.3)
    for k in range(q):
        mine = labels == k
        right.scatter(X[mine, 0], X[mine, 1], s=12, color=_COLOURS[k], edgecolors="black", linewidths=0.4,
                      label=f"class {k}")
    right.set_aspect("equal")
    right.set_xlim(grid[0], grid[-1])
    right.set_ylim(grid[0], grid[-1])
    right.set_xlabel("$x_1$")
    right.set_ylabel("$x_2$")
    right.legend(loc="upper left", fontsize=9, framealpha=0.9)
    right.set_title(f"Decision regions, training accuracy {trained.accuracy:.1%}")
    fig.tight_layout()
    return fig
