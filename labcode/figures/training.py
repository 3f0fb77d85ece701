"""Figures of chapters 8 and 9: training on the reference problem."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from labcode.backprop import train_by_hand
from labcode.bench.machine import blas_threads
from labcode.figures import figure
from labcode.reference import LEARNING_RATE, reference_problem

__all__ = ["reference_loss"]


@figure("reference-loss.svg")
def reference_loss() -> plt.Figure:
    """The loss of every epoch of `labcode.backprop.train_by_hand` on the reference problem, log scale."""
    with blas_threads(1):  # small products: extra BLAS threads only spin on a busy machine
        losses = train_by_hand(*reference_problem())
    epochs = np.arange(1, len(losses) + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.semilogy(epochs, losses, color="tab:blue", linewidth=1.8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (log scale)")
    ax.set_title(f"Reference problem: full-batch gradient descent, learning rate {LEARNING_RATE:g}")
    ax.set_xlim(0, len(losses))
    ax.grid(True, which="both", alpha=0.3)
    return fig
