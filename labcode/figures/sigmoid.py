"""Figures of the sigmoid chapters: the curve with its slope, and its computational graph."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from labcode.activations import sigmoid, sigmoid_prime
from labcode.figures import figure

__all__ = ["sigmoid_curves", "sigmoid_graph"]


@figure("sigmoid.svg")
def sigmoid_curves():
    """The figure of the sigmoid and its derivative on [-8, 8]."""

    x = np.linspace(-8.0, 8.0, 401)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(x, sigmoid(x), label="σ(x)", color="tab:blue", linewidth=2)
    ax.plot(x, sigmoid_prime(x), label="σ'(x) = σ(x)(1 − σ(x))", color="tab:orange", linewidth=2)
    ax.axhline(0.5, color="0.7", linewidth=0.8, linestyle=":")
    ax.axvline(0.0, color="0.7", linewidth=0.8, linestyle=":")
    ax.plot([0.0], [0.25], "o", color="tab:orange")
    ax.annotate("maximum slope 0.25 at x = 0", (0.0, 0.25), xytext=(1.0, 0.32), fontsize=9)
    ax.set_xlim(-8, 8)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("x")
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


#: The nodes of the sigmoid graph, left to right: (label inside the box, formula below it).
_NODES = [
    ("x", "input"),
    ("A", "A = −x"),
    ("B", "B = exp(A)"),
    ("C", "C = 1 + B"),
    ("D", "D = 1 / C = σ(x)"),
]
#: Local derivative written on each edge, from the node on its left to the one on its right.
_EDGES = ["∂A/∂x = −1", "∂B/∂A = B", "∂C/∂B = 1", "∂D/∂C = −1/C²"]


@figure("sigmoid-graph.svg")
def sigmoid_graph():
    """The figure of the computational graph x → A = −x → B = exp(A) → C = 1 + B → D = 1/C.

    Boxes are nodes; each arrow carries the local derivative of its head with
    respect to its tail, and a dashed arrow below shows the backward pass.
    """

    fig, ax = plt.subplots(figsize=(10.0, 2.6))
    gap, half = 2.7, 0.35
    xs = [i * gap for i in range(len(_NODES))]
    for x, (label, formula) in zip(xs, _NODES):
        ax.add_patch(
            FancyBboxPatch(
                (x - half, -half), 2 * half, 2 * half,
                boxstyle="round,pad=0.05", facecolor="#e8eaf6", edgecolor="#3949ab", linewidth=1.5,
            )
        )
        ax.text(x, 0.0, label, ha="center", va="center", fontsize=14, fontweight="bold")
        ax.text(x, -0.65, formula, ha="center", va="top", fontsize=10)
    for left, right, local in zip(xs, xs[1:], _EDGES):
        ax.add_patch(
            FancyArrowPatch(
                (left + half + 0.08, 0.0), (right - half - 0.08, 0.0),
                arrowstyle="-|>", mutation_scale=14, color="#3949ab", linewidth=1.5,
            )
        )
        ax.text((left + right) / 2, 0.12, local, ha="center", va="bottom", fontsize=10)
    ax.add_patch(
        FancyArrowPatch(
            (xs[-1], -1.15), (xs[0], -1.15),
            arrowstyle="-|>", mutation_scale=14, color="#c62828", linewidth=1.2, linestyle="--",
        )
    )
    ax.text(
        (xs[0] + xs[-1]) / 2, -1.25,
        "backward: start from ∂D/∂D = 1, multiply by each local derivative",
        ha="center", va="top", fontsize=10, color="#c62828",
    )
    ax.set_xlim(xs[0] - 0.8, xs[-1] + 0.8)
    ax.set_ylim(-1.7, 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig
