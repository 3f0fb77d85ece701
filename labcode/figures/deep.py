"""Figure of the deeper-networks chapter: the gradient's size layer by layer.

Every curve is `labcode.deep.gradient_norms` with its defaults (64 units per
hidden layer, 128 samples, a linear output of one unit, the squared error) and
a generator seeded with 0, as on the page.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from labcode.bench.machine import blas_threads
from labcode.deep import gradient_norms
from labcode.figures import figure

__all__ = ["CASES", "DEPTHS", "gradient_size"]

#: (activation, initialisation) of every curve, with its colour and line style.
CASES = [
    ("sigmoid", "unscaled", "tab:red", "--"),
    ("sigmoid", "lecun", "tab:red", "-"),
    ("sigmoid", "he", "tab:red", ":"),
    ("relu", "unscaled", "tab:blue", "--"),
    ("relu", "lecun", "tab:blue", "-"),
    ("relu", "he", "tab:blue", ":"),
]
#: The depths of the right panel; the left panel shows the deepest.
DEPTHS = range(2, 21)


@figure("gradient-size.svg")
def gradient_size() -> plt.Figure:
    """Left: ``||dL/dW_l||`` for every layer of a 20-layer network. Right: first over last layer, by depth K."""
    deepest = max(DEPTHS)
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.9, 3.8))
    with blas_threads(1):
        for activation, init, colour, style in CASES:
            label = f"{activation}, {init}"
            norms = gradient_norms(deepest, activation, init, np.random.default_rng(0))
            left.semilogy(np.arange(1, deepest + 1), norms, style, color=colour, marker=".", label=label)
            ratios = [(lambda g: g[0] / g[-1])(gradient_norms(K, activation, init, np.random.default_rng(0)))
                      for K in DEPTHS]
            right.semilogy(list(DEPTHS), ratios, style, color=colour, marker=".", label=label)
    left.set_xlabel("layer l (1 = next to the input)")
    left.set_ylabel(r"$\|\partial L / \partial W_l\|$ (log scale)")
    left.set_title(f"{deepest} layers:\nthe gradient of every layer", fontsize=11)
    left.set_xticks([1, 5, 10, 15, 20])
    right.set_xlabel("depth K (number of layers)")
    right.set_ylabel(r"$\|\partial L/\partial W_1\| \;/\; \|\partial L/\partial W_K\|$ (log scale)")
    right.set_title("First layer against last,\nby depth", fontsize=11)
    right.set_xticks([2, 5, 10, 15, 20])
    right.axhline(1.0, color="grey", linewidth=0.8)
    for ax in (left, right):
        ax.grid(True, which="major", alpha=0.3)
    # In the empty band of the left panel (no curve between about 1e3 and 1e28), off every curve.
    left.legend(loc="center", bbox_to_anchor=(0.5, 0.6), fontsize=9, framealpha=0.9)
    fig.tight_layout()
    return fig
