"""The step-size figure of the gradient-checking page: error against h, log-log."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from labcode.activations import sigmoid, sigmoid_prime
from labcode.figures import figure
from labcode.gradcheck import difference_errors

__all__ = ["step_size"]

#: The steps of the sweep, 10^-16 to 10^-1.
STEPS = np.logspace(-16, -1, 61)

#: Where the sigmoid is differentiated.
X0 = 1.0


@figure("step-size.svg")
def step_size():
    """The figure of the error of forward and central differences of the sigmoid at x = 1, against h.

    Both schemes in float64 and in float32. Each curve is a V: to the right
    the truncation error (slope 1 forward, slope 2 central), to the left the
    round-off error ``eps / h`` (slope -1); the dotted lines mark ``sqrt(eps)``
    and ``cbrt(eps)``.
    """

    # As wide as the page's column, so that its text is not scaled down.
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.6), sharey=True)
    for ax, dtype in zip(axes, (np.float64, np.float32)):
        errors = difference_errors(sigmoid, sigmoid_prime, X0, STEPS, dtype)
        eps = float(np.finfo(dtype).eps)
        for (name, err), style in zip(errors.items(), ("o-", "s-")):
            ax.loglog(STEPS, np.maximum(err, 1e-18), style, markersize=3, label=name)
        # The two labels at different heights: in float32 the two roots are only a decade apart.
        for root, label, y in ((eps ** 0.5, r"$\sqrt{\varepsilon}$", 1e-16),
                               (eps ** (1 / 3), r"$\sqrt[3]{\varepsilon}$", 1e-13)):
            ax.axvline(root, color="grey", linestyle=":", linewidth=1)
            ax.text(root, y, label, ha="center", va="bottom", fontsize=10,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax.set_title(f"{np.dtype(dtype).name}, eps = {eps:.1e}")
        ax.set_xlabel("step h")
        ax.set_ylim(1e-17, 10)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("|finite difference - exact derivative|")
    axes[0].legend(loc="lower left")
    fig.suptitle("Finite-difference error of the sigmoid's derivative at x = 1")
    fig.tight_layout()
    return fig
