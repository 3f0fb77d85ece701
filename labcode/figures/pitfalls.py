"""Figure of chapter 12: a training loop that forgets to zero its gradients."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from labcode.bench.machine import blas_threads
from labcode.figures import figure
from labcode.pitfalls import train_reference

__all__ = ["forgotten_zero_grad"]


@figure("forgotten-zero-grad.svg")
def forgotten_zero_grad() -> plt.Figure:
    """Loss per epoch on the reference problem, gradients zeroed every step or never."""
    with blas_threads(1):
        right = train_reference(zero_grad=True)
        wrong = train_reference(zero_grad=False)
    epochs = np.arange(1, len(right) + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.semilogy(epochs, right, color="tab:blue", linewidth=1.8, label="zero_grad() every step")
    ax.semilogy(epochs, wrong, color="tab:red", linewidth=1.8, label="zero_grad() forgotten")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (log scale)")
    ax.set_title("Reference problem: gradients that are never cleared pile up")
    ax.set_xlim(0, len(right))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig
