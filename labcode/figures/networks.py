"""Pictures of layers and of shapes: chapter 2's dense layer, chapter 6's hidden-weight gradient."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

from labcode.activations import sigmoid_prime
from labcode.figures import figure
from labcode.figures.graphs import INK, LABEL_SIZE, NODE_EDGE, NODE_FILL, NOTE_SIZE, NUMBER_SIZE

__all__ = ["layer_figure", "layer_diagram", "hidden_gradient_shapes", "shapes_figure", "hadamard_shapes"]

#: One colour per input of the layer diagram: its edges and its row of W.
INPUT_COLOURS = ("#1565c0", "#2e7d32", "#b35c00", "#6a1b9a")
#: The sizes of chapter 2's example layer, and of chapter 6's example network.
LAYER_SIZES = {"p": 3, "q": 2}
CHAPTER_6_SIZES = {"n": 100, "p": 3, "d": 2, "q": 1}

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUB)


def layer_figure(p: int, q: int) -> plt.Figure:
    """A dense layer with ``p`` (1 to 4) inputs and ``q`` (1 to 3) outputs, and its weight matrix W of shape (p, q).

    Every input has an edge to every output; the edge from input i to output j
    carries the weight w_ij, drawn in input i's colour, and row i of W (on the
    right, in the same colour) holds the weights leaving input i.
    """
    if not (isinstance(p, int) and 1 <= p <= 4):
        raise ValueError(f"p must be an int from 1 to 4, got {p!r}")
    if not (isinstance(q, int) and 1 <= q <= 3):
        raise ValueError(f"q must be an int from 1 to 3, got {q!r}")

    fig = plt.figure(figsize=(6.9, 1.6 + 0.72 * max(p - 1, q - 1, 1)))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    height = 1.5 * max(p - 1, q - 1, 1)  # both columns span the same height
    step_in, step_out = height / max(p - 1, 1), height / max(q - 1, 1)
    y_in = [(p - 1) / 2 * step_in - i * step_in for i in range(p)]
    y_out = [(q - 1) / 2 * step_out - j * step_out for j in range(q)]
    # How far along its edge each label sits: near the input, before the fans of two
    # neighbouring inputs come closer than a label's height.
    at_t = min(0.3, (step_in - 0.5) / (step_in + height)) if p > 1 else 0.3
    x_in, x_out, r = 0.5, 4.0, 0.32
    for i, (y0, colour) in enumerate(zip(y_in, INPUT_COLOURS), start=1):
        for j, y1 in enumerate(y_out, start=1):
            start, end = np.array([x_in + r, y0]), np.array([x_out - r, y1])
            ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=11,
                                         color=colour, linewidth=1.3, shrinkA=0, shrinkB=0))
            at = start + at_t * (end - start)  # on the edge, over a patch of the background
            ax.text(*at, f"w{_sub(i)}{_sub(j)}", ha="center", va="center", fontsize=NUMBER_SIZE, color=colour,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        ax.add_patch(Circle((x_in, y0), r, facecolor=NODE_FILL, edgecolor=colour, linewidth=1.6))
        ax.text(x_in, y0, f"x{_sub(i)}", ha="center", va="center", fontsize=LABEL_SIZE, color=INK)
    for j, y1 in enumerate(y_out, start=1):
        ax.add_patch(Circle((x_out, y1), r, facecolor=NODE_FILL, edgecolor=NODE_EDGE, linewidth=1.6))
        ax.text(x_out, y1, f"z{_sub(j)}", ha="center", va="center", fontsize=LABEL_SIZE, color=INK)
    top = max(y_in[0], y_out[0])
    ax.text(x_in, top + 0.6, "inputs", ha="center", va="bottom", fontsize=NOTE_SIZE, color=INK)
    ax.text(x_out, top + 0.6, "outputs", ha="center", va="bottom", fontsize=NOTE_SIZE, color=INK)
    # The matrix W, one coloured row per input.
    cell_w, cell_h, left = 0.95, 0.7, 5.7
    rows_top = (p / 2) * cell_h
    for i, colour in enumerate(INPUT_COLOURS[:p], start=1):
        y = rows_top - i * cell_h
        for j in range(1, q + 1):
            x = left + (j - 1) * cell_w
            ax.add_patch(Rectangle((x, y), cell_w, cell_h, facecolor="none", edgecolor=NODE_EDGE, linewidth=0.8))
            ax.text(x + cell_w / 2, y + cell_h / 2, f"w{_sub(i)}{_sub(j)}", ha="center", va="center",
                    fontsize=NUMBER_SIZE, color=colour)
        ax.text(left + q * cell_w + 0.15, y + cell_h / 2, f"row {i}: from x{_sub(i)}", ha="left", va="center",
                fontsize=NOTE_SIZE, color=colour)
    for j in range(1, q + 1):
        ax.text(left + (j - 0.5) * cell_w, rows_top + 0.1, f"to z{_sub(j)}", ha="center", va="bottom",
                fontsize=NOTE_SIZE, color=INK)
    ax.text(left + q * cell_w / 2, rows_top - p * cell_h - 0.15, f"W, shape (p, q) = ({p}, {q})",
            ha="center", va="top", fontsize=NOTE_SIZE, color=INK)
    ax.set_xlim(0.0, 9.6)
    ax.set_ylim(min(y_in[-1] - r, y_out[-1] - r, rows_top - p * cell_h - 0.6) - 0.1, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


@figure("layer-diagram.svg")
def layer_diagram() -> plt.Figure:
    """Chapter 2's layer with p = 3 inputs and q = 2 outputs: w_ij on the edge from input i to output j."""
    return layer_figure(LAYER_SIZES["p"], LAYER_SIZES["q"])


def hidden_gradient_shapes(sizes: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """The shape of every block of chapter 6's hidden-weight gradient for ``sizes`` ``n``, ``p``, ``d``, ``q``, by computing it.

    ``dL/dbeta1 = -(2/n) X^T {(E beta2^T) * phi'(X beta1)}`` is evaluated on
    zeros of the given sizes (only the shapes are wanted), and each block's shape
    (``E, beta2T, E beta2T, phi'(Z), hadamard, XT, gradient``) is read off the
    array numpy returns.
    """
    n, p, d, q = (int(sizes[k]) for k in ("n", "p", "d", "q"))
    X, beta1, beta2, E = np.zeros((n, p)), np.zeros((p, d)), np.zeros((d, q)), np.zeros((n, q))
    spread = E @ beta2.T
    slope = sigmoid_prime(X @ beta1)
    inner = spread * slope
    gradient = -2 / n * X.T @ inner
    return {"E": E.shape, "beta2T": beta2.T.shape, "E beta2T": spread.shape, "phi'(Z)": slope.shape,
            "hadamard": inner.shape, "XT": X.T.shape, "gradient": gradient.shape}


def _length(size: int) -> float:
    """Drawn length of a side of ``size`` entries: grows with the size, not to scale."""
    return 0.66 + 0.26 * float(np.log2(size))


def shapes_figure(sizes: Mapping[str, int]) -> plt.Figure:
    """Blocks of chapter 6's hidden-weight gradient with their shapes: (n, q)(q, d) ⊙ (n, d), then Xᵀ in front.

    Each matrix is a rectangle whose height grows with its number of rows and
    whose width with its number of columns (not to scale); the letter of each
    side is written beside it, and under each block its shape in numbers, as
    `hidden_gradient_shapes` computes it for ``sizes``.
    """

    shapes = hidden_gradient_shapes(sizes)
    letters = {"E": ("n", "q"), "beta2T": ("q", "d"), "E beta2T": ("n", "d"), "phi'(Z)": ("n", "d"),
               "hadamard": ("n", "d"), "XT": ("p", "n"), "gradient": ("p", "d")}
    names = {"E": "E", "beta2T": "β₂ᵀ", "E beta2T": "Eβ₂ᵀ", "phi'(Z)": "φ′(Z)", "hadamard": "M",
             "XT": "Xᵀ", "gradient": "∂L/∂β₁"}
    fig = plt.figure(figsize=(6.9, 4.6))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))

    def block(key: str, x: float, middle: float, fill: str = "none") -> float:
        rows, cols = shapes[key]
        w, h = _length(cols), _length(rows)
        top = middle + h / 2
        ax.add_patch(Rectangle((x, top - h), w, h, facecolor=fill, edgecolor=NODE_EDGE, linewidth=1.4))
        ax.text(x + w / 2, middle, names[key], ha="center", va="center", fontsize=LABEL_SIZE, color=INK)
        row_letter, col_letter = letters[key]
        ax.text(x + w / 2, top + 0.06, col_letter, ha="center", va="bottom", fontsize=NOTE_SIZE,
                color=NODE_EDGE, fontstyle="italic")
        ax.text(x - 0.06, middle, row_letter, ha="right", va="center", fontsize=NOTE_SIZE,
                color=NODE_EDGE, fontstyle="italic")
        ax.text(x + w / 2, top - h - 0.1, f"({rows}, {cols})", ha="center", va="top", fontsize=NOTE_SIZE,
                color=INK)
        return x + w

    def sign(x: float, middle: float, text: str, width: float = 0.55) -> float:
        ax.text(x + width / 2, middle, text, ha="center", va="center", fontsize=LABEL_SIZE + 2, color=INK)
        return x + width + 0.12  # room for the next block's row letter

    tall = _length(shapes["E"][0])
    first = 0.0
    x = 0.3
    x = block("E", x, first)
    x = sign(x, first, "·")
    x = block("beta2T", x, first)
    x = sign(x, first, "=")
    x = block("E beta2T", x, first)
    x += 0.9
    x = block("E beta2T", x, first)
    x = sign(x, first, "⊙")
    x = block("phi'(Z)", x, first)
    x = sign(x, first, "=")
    block("hadamard", x, first, fill=NODE_FILL)
    second = first - tall - 1.0
    x = 0.3
    x = block("gradient", x + 0.15, second)
    x = sign(x, second, "=")
    x = sign(x - 0.12, second, "−(2/n)", width=1.2)
    x = block("XT", x, second)
    x = sign(x, second, "·")
    block("hadamard", x, second, fill=NODE_FILL)
    legend = ", ".join(f"{k} = {int(sizes[k])}" for k in ("n", "p", "d", "q"))
    bottom = second - tall / 2 - 0.55
    ax.text(0.3, bottom, f"{legend}; a side grows with its size (not to scale)",
            ha="left", va="top", fontsize=NOTE_SIZE, color=INK)
    ax.set_xlim(0.0, 10.2)
    ax.set_ylim(bottom - 0.4, first + tall / 2 + 0.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


@figure("hadamard-shapes.svg")
def hadamard_shapes() -> plt.Figure:
    """The blocks of chapter 6's hidden-weight gradient for its example, n = 100, p = 3, d = 2, q = 1."""
    return shapes_figure(CHAPTER_6_SIZES)
