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
    """The loss of every epoch (left) and the decision regions with the data (right)."""
    X, labels = make_spirals(SPIRALS["n_per_class"], SPIRALS["q"], np.random.default_rng(SPIRALS["seed"]))
    with blas_threads(1):
        trained = train_classifier(X, labels, CLASSIFIER["d"], np.random.default_rng(CLASSIFIER["seed"]),
                                   epochs=CLASSIFIER["epochs"])
    # Two square panels of one size, side by side; the legend goes under the regions, off the data.
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.8, 3.9))

    epochs = np.arange(1, len(trained.losses) + 1)
    left.semilogy(epochs, trained.losses, color="tab:blue", linewidth=1.8)
    left.set_xlabel("epoch")
    left.set_ylabel("mean cross-entropy (log scale)")
    left.set_xlim(0, len(trained.losses))
    left.set_xticks([0, 250, 500, 750, 1000])
    left.grid(True, which="major", alpha=0.35)
    left.grid(True, which="minor", alpha=0.12)
    left.set_box_aspect(1)
    left.set_title("Loss of every epoch,\nfull-batch gradient descent", fontsize=11)

    grid = np.linspace(-1.25, 1.25, 251)
    gx, gy = np.meshgrid(grid, grid)
    regions = predict(trained.params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    q = SPIRALS["q"]
    # Pale fills (in the dark palette they turn into dark tints, close to the page) and a grey
    # line on every boundary, so that the points stand out from the regions in both palettes.
    levels = np.arange(q + 1) - 0.5
    right.contourf(gx, gy, regions, levels=levels, cmap=ListedColormap(_COLOURS[:q]), alpha=0.2)
    right.contour(gx, gy, regions, levels=levels[1:-1], colors="0.4", linewidths=0.8)
    for k in range(q):
        mine = labels == k
        right.scatter(X[mine, 0], X[mine, 1], s=14, color=_COLOURS[k], edgecolors="black", linewidths=0.5,
                      label=f"class {k}")
    right.set_aspect("equal")
    right.set_xlim(grid[0], grid[-1])
    right.set_ylim(grid[0], grid[-1])
    right.set_xlabel("$x_1$")
    right.set_ylabel("$x_2$")
    right.set_title(f"Decision regions,\ntraining accuracy {trained.accuracy:.1%}", fontsize=11)
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=q, fontsize=10, frameon=False,
                 handletextpad=0.2, columnspacing=0.9)
    fig.tight_layout()
    return fig
