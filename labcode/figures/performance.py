"""The figure of chapter 13, drawn from the committed benchmark results (nothing is timed here)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.transforms import blended_transform_factory

from labcode.bench.conventions import label
from labcode.bench.report import load_results
from labcode.figures import figure

__all__ = ["performance"]

#: How the figure names a case of the results file where its own name is not a reader's
#: word; the training cases keep the names the chapter's list gives them (`gemm`, `tuned`, ...).
_NAMES = {
    "hadamard": "Hadamard form",
    "per_sample": "loop over samples",
    "per_entry": "loops over samples and entries",
    "gradient": "gradient (forward + backward)",
    "full_check": "full check",
    "directional_check": "directional check",
}


def _conventions(ax, result: dict[str, Any]) -> None:
    cases = result["cases"].values()
    sizes = sorted({c["params"]["n"] for c in cases})
    threads = sorted({c["params"]["threads"] for c in cases})
    width = 0.8 / len(threads)
    for i, t in enumerate(threads):
        ratios = [result["ratios"][f"columns / rows ({label(n, t)})"] for n in sizes]
        ax.bar([j + (i - (len(threads) - 1) / 2) * width for j in range(len(sizes))], ratios, width,
               label=f"{t} BLAS thread{'s' if t > 1 else ''}")
    ax.axhline(1.0, color="0.3", linewidth=0.8)
    ax.set_xticks(range(len(sizes)), [f"n = {n}" for n in sizes])
    ax.set_ylabel("columns / rows (wall time)")
    ax.set_title("1. W.T @ X + B vs X @ W + b", fontsize=11, loc="left")
    ax.set_ylim(0, 1.6)
    ax.legend(fontsize=10, loc="upper left")


def _loops(ax, result: dict[str, Any]) -> None:
    by_variant: dict[str, list[tuple[int, float]]] = {}
    for c in result["cases"].values():
        by_variant.setdefault(c["params"]["variant"], []).append((c["params"]["n"], c["median"]))
    for variant, points in by_variant.items():
        points.sort()
        ax.loglog([n for n, _ in points], [s * 1e3 for _, s in points], "o-", label=_NAMES.get(variant, variant))
    ax.set_xlabel("samples n")
    ax.set_ylabel(f"ms per gradient ({result['clock']})")
    ax.set_title("2. Hadamard form vs loops", fontsize=11, loc="left")
    ax.legend(fontsize=10)
    ax.grid(True, which="both", alpha=0.3)


def _bars(ax, result: dict[str, Any], title: str, unit: str, cut: float | None = None) -> None:
    """Horizontal bars (median, min-max whiskers), each named just above its bar.

    The names sit inside the plot, not beside it as tick labels: the bars start
    at the left edge of the figure, and on a narrow screen the plot is what shows.
    With ``cut``, the axis ends at ``cut`` times the largest median, and a
    whisker that goes further (a block that another job slowed down) is cut
    at the edge, so that the bars keep a size at which they can be compared.
    """
    names = list(result["cases"])
    medians = [result["cases"][n]["median"] * 1e3 for n in names]
    errors = [
        [m - result["cases"][n]["min"] * 1e3 for n, m in zip(names, medians)],
        [result["cases"][n]["max"] * 1e3 - m for n, m in zip(names, medians)],
    ]
    ax.barh(range(len(names)), medians, height=0.45, xerr=errors, color="tab:blue", capsize=2)
    ax.set_yticks([])
    ax.set_ylim(len(names) - 0.55, -1.0)  # top to bottom in the results' order, room for the first name
    at_left = blended_transform_factory(ax.transAxes, ax.transData)
    for i, name in enumerate(names):
        ax.text(0.01, i - 0.29, _NAMES.get(name, name), transform=at_left, ha="left", va="bottom", fontsize=10)
    if cut is None:
        ax.set_xlabel(f"ms per {unit} ({result['clock']})")
    else:
        ax.set_xlim(0, cut * max(medians))
        ax.set_xlabel(f"ms per {unit} ({result['clock']}); whiskers cut at the edge")
    ax.set_title(title, fontsize=11, loc="left")


@figure("performance.svg")
def performance():
    """The figure of four panels, one per benchmark, from the results file (`labcode.bench.report.RESULTS_FILE`)."""
    results = load_results()["benchmarks"]
    # One panel per row, as wide as the page's column, so that its text is not scaled down;
    # titles on the left, where a phone, which shows the figure's left part, sees them.
    fig, axes = plt.subplots(4, 1, figsize=(6.8, 13))
    _conventions(axes[0], results["conventions"])
    _loops(axes[1], results["loops"])
    _bars(axes[2], results["cheap_gradient"], "3. A gradient and its checks (log scale)", "call")
    axes[2].set_xscale("log")
    _bars(axes[3], results["training"], "4. One training epoch", "epoch", cut=1.6)
    fig.tight_layout()
    return fig
