"""The figures: their numbers come from the code, and the pages print the same numbers.

The pictures of computational graphs are drawn from a trace (or from the
values the units return). Here the text of each drawing is read back from its
SVG (`tests.svg_text`) and compared with the trace it was given, on random
inputs, so a figure cannot show a number its trace does not hold; and the
tables on the pages are compared with the traces the registered figures use,
so the page and its picture show the same computation.
"""

from __future__ import annotations

import dataclasses
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode.figures import registry, render_svg
from labcode.figures import graphs
from labcode.figures.graphs import BACKWARD, FORWARD, INK, number
from labcode.graph import format_trace, sigmoid_chain, trace
from tests.docs_harness import DOCS
from tests.svg_text import registered_drawing, registered_svg, svg_texts

_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
_EMBED = re.compile(r'print\(embed\("(?P<name>[\w.-]+)", "(?P<alt>[^"]+)"\)\)')
#: A number as a picture writes it (a true minus sign), not part of a word such as "2x".
_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?![\w²³])")


def _coloured(svg: bytes, colour: str) -> list[str]:
    return [t.text for t in svg_texts(svg) if t.colour == colour]


def _output_after(page: str, marker: str) -> str:
    """The ```output fence that follows the first python fence of ``page`` containing ``marker``."""
    fences = list(_FENCE.finditer((DOCS / page).read_text(encoding="utf-8")))
    for here, after in zip(fences, fences[1:]):
        if here.group("info") == "python" and marker in here.group("body"):
            assert after.group("info") == "output", f"{page}: no output fence after the block with {marker!r}"
            return after.group("body").rstrip("\n")
    raise AssertionError(f"{page}: no python block contains {marker!r}")


def _chain_expected(x: float, rows) -> tuple[list[str], list[str]]:
    values = [number(v) for v in [x, *(r.value for r in rows)]]
    gradients = [number(g) for g in [rows[0].downstream, *(r.upstream for r in rows)]]
    return values, gradients


@settings(max_examples=25)
@given(x=st.floats(-2.0, 2.0, allow_nan=False), sigmoid=st.booleans())
def test_a_chain_figure_shows_its_trace(x: float, sigmoid: bool) -> None:
    """Green above the arrows: x and every node's value; red below: every gradient, rounded."""
    chain = sigmoid_chain() if sigmoid else graphs._chapter_3_chain()
    rows = trace(chain, x)
    svg = render_svg(graphs.chain_figure(x, rows))
    values, gradients = _chain_expected(x, rows)
    assert _coloured(svg, FORWARD)[:5] == values
    assert _coloured(svg, BACKWARD)[:5] == gradients
    names = ["x", "A", "B", "C", "D" if sigmoid else "f"]
    assert [t for t in _coloured(svg, INK) if len(t) == 1] == names


def test_a_changed_trace_changes_the_figure() -> None:
    """The figure draws what it is given: alter one gradient of the trace and the picture shows it."""
    rows = trace(sigmoid_chain(), 1.0)
    drawn = render_svg(graphs.chain_figure(1.0, rows))
    assert drawn == render_svg(graphs.sigmoid_graph_numbers()), "the registered figure is another trace"
    tampered = [*rows[:2], dataclasses.replace(rows[2], upstream=np.array(-0.75)), rows[3]]
    changed = render_svg(graphs.chain_figure(1.0, tampered))
    assert changed != drawn
    assert _coloured(changed, BACKWARD)[3] == "−0.75" and _coloured(drawn, BACKWARD)[3] == "−0.534"
    other_x = render_svg(graphs.chain_figure(2.0, trace(sigmoid_chain(), 2.0)))
    assert _coloured(other_x, FORWARD)[4] == number(1 / (1 + np.exp(-2.0))) == "0.881"


@settings(max_examples=25)
@given(x=st.floats(-3.0, 3.0, allow_nan=False))
def test_the_fan_out_numbers_are_the_calculus(x: float) -> None:
    """f = 2x * x^2 = 2x^3: paths 2 x^2 (through u) and 4 x^2 (through v), sum 6 x^2 (independent formulas)."""
    n = graphs.fan_out_numbers(x)
    expected = dict(x=x, u=2 * x, v=x * x, f=2 * x**3, grad_f=1.0, grad_u=x * x, grad_v=2 * x,
                    path_u=2 * x * x, path_v=4 * x * x, grad_x=6 * x * x)
    assert n.keys() == expected.keys()
    assert all(np.isclose(n[k], expected[k], rtol=1e-12, atol=1e-300) for k in expected), (n, expected)
    svg = render_svg(graphs.fan_out_figure(n))
    shown = _coloured(svg, FORWARD) + _coloured(svg, BACKWARD)
    for key in expected:
        assert number(n[key]) in " ".join(shown), key


@settings(max_examples=20)
@given(a=st.integers(-9, 9), b=st.integers(-9, 9), upstream=st.integers(-9, 9), second=st.integers(-9, 9))
def test_the_patterns_follow_the_rules(a: int, b: int, upstream: int, second: int) -> None:
    """Add: both get the upstream; multiply: each gets upstream times the other; fan-out: the sum."""
    n = graphs.pattern_numbers(float(a), float(b), float(upstream), float(second))
    assert (n["add"]["out"], n["add"]["grad_a"], n["add"]["grad_b"]) == (a + b, upstream, upstream)
    assert (n["multiply"]["out"], n["multiply"]["grad_a"], n["multiply"]["grad_b"]) == (a * b, upstream * b,
                                                                                         upstream * a)
    assert n["fan-out"]["grad_x"] == upstream + second
    svg = render_svg(graphs.patterns_figure(n))
    reds = _coloured(svg, BACKWARD)
    assert [number(n["multiply"]["grad_a"]), number(n["multiply"]["grad_b"])] == reds[4:6]
    assert f"{number(upstream)} + {number(second)} = {number(upstream + second)}" in reds


def test_chapter_3_prints_the_trace_of_its_figure() -> None:
    rows = trace(graphs._chapter_3_chain(), graphs.CHAIN_X)
    assert _output_after("chain-rule.md", "rows = trace(chain, 0.0)") == format_trace(rows)


def test_chapter_4_prints_the_trace_of_its_figure() -> None:
    rows = trace(sigmoid_chain(), graphs.SIGMOID_X)
    assert _output_after("sigmoid.md", "rows = trace(sigmoid_chain(), 1.0)") == format_trace(
        rows, columns=["value", "local"])
    assert _output_after("sigmoid.md", 'columns=["upstream", "downstream"]') == format_trace(
        rows, columns=["upstream", "downstream"])


def test_chapter_3_prints_the_numbers_of_its_fan_out_figure() -> None:
    table = _output_after("chain-rule.md", "for edge, value, gradient in [").splitlines()[1:]
    printed = {line[:16].strip(): [float(v) for v in line[16:].split()] for line in table}
    n = graphs.fan_out_numbers(graphs.FAN_OUT_X)
    assert printed == {"x": [n["x"], n["grad_x"]], "x, into u = 2x": [n["x"], n["path_u"]],
                       "x, into v = x^2": [n["x"], n["path_v"]], "u": [n["u"], n["grad_u"]],
                       "v": [n["v"], n["grad_v"]], "f": [n["f"], n["grad_f"]]}


def test_chapter_3_prints_the_numbers_of_its_patterns_figure() -> None:
    lines = _output_after("chain-rule.md", 'print("add:     "').splitlines()
    numbers = [[float(v) for v in re.findall(r"-?\d+\.\d+", line)] for line in lines]
    n = graphs.pattern_numbers()
    assert numbers == [[n["add"]["out"], n["add"]["grad_a"], n["add"]["grad_b"]],
                       [n["multiply"]["out"], n["multiply"]["grad_a"], n["multiply"]["grad_b"]],
                       [n["fan-out"]["grad_x"]]]
    assert (n["add"]["a"], n["add"]["b"], n["add"]["upstream"], n["fan-out"]["grad_2"]) == (3.0, -4.0, 2.0, 5.0)


def _embeds() -> list[tuple[str, str, str]]:
    return [(page.name, m.group("name"), m.group("alt")) for page in sorted(DOCS.glob("*.md"))
            for m in _EMBED.finditer(page.read_text(encoding="utf-8"))]


def test_every_embed_is_found() -> None:
    assert {name for _, name, _ in _embeds()} == set(registry())


@pytest.mark.parametrize(("page", "name", "alt"), _embeds(), ids=[e[1] for e in _embeds()])
def test_alt_texts_say_what_the_figure_shows(page: str, name: str, alt: str) -> None:
    """An alt text is a description (several words, not a file name), and every number it
    names for a graph is one the graph shows: an alt text cannot go stale when the trace changes."""
    assert len(alt.split()) >= 12 and not alt.endswith(".svg"), f"{page}: {name}'s alt text is too thin"
    if name in ("chain-graph.svg", "fan-out-graph.svg", "gradient-patterns.svg", "sigmoid-graph-numbers.svg"):
        shown = " ".join(t.text for t in svg_texts(registered_svg(name)))
        on_figure = set(_NUMBER.findall(shown.replace("−", "-")))
        named = set(_NUMBER.findall(alt.replace("−", "-")))
        assert named, f"{name}: the alt text of a graph with numbers names none"
        assert named <= on_figure, f"{page}: {name}'s alt text names {sorted(named - on_figure)}, not on the figure"


def test_number_rounds_to_three_digits() -> None:
    assert [number(v) for v in (0.19661193324148188, -0.0, 1.3678794411714423, 1e-5, 12345.0)] == [
        "0.197", "0", "1.37", "1e−05", "1.23e+04"]
    plt.close("all")


# --- chapter 2's layer and chapter 6's shapes -----------------------------------


_SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉"


def _segment_distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    t = np.clip(np.dot(point - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
    return float(np.hypot(*(point - (a + t * (b - a)))))


@settings(max_examples=12)
@given(p=st.integers(1, 4), q=st.integers(1, 3))
def test_the_layer_diagram_puts_w_ij_on_the_edge_from_input_i_to_output_j(p: int, q: int) -> None:
    """Each edge label w_ij is nearest to the edge from x_i to z_j and has x_i's colour, and the
    matrix cell in row i, column j says w_ij in the same colour: row i of W belongs to input i."""
    from matplotlib.patches import FancyArrowPatch

    from labcode.figures.networks import INPUT_COLOURS, layer_figure

    fig = layer_figure(p, q)
    ax = fig.axes[0]
    nodes = {t.get_text(): np.array(t.get_position()) for t in ax.texts if t.get_text()[:1] in "xz"
             and len(t.get_text()) == 2}
    sub = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
    edges = {}
    for arrow in (a for a in ax.patches if isinstance(a, FancyArrowPatch)):
        start, end = (np.array(v) for v in arrow._posA_posB)  # noqa: SLF001 - the arrow's two ends
        i = min(range(1, p + 1), key=lambda k: np.hypot(*(nodes[f"x{_SUBSCRIPT[k]}"] - start)))
        j = min(range(1, q + 1), key=lambda k: np.hypot(*(nodes[f"z{_SUBSCRIPT[k]}"] - end)))
        edges[(i, j)] = (start, end)
    assert sorted(edges) == [(i, j) for i in range(1, p + 1) for j in range(1, q + 1)]
    labels = [t for t in ax.texts if t.get_text().startswith("w")]
    assert len(labels) == 2 * p * q  # one on each edge, one in each cell of W
    on_edges = [t for t in labels if np.array(t.get_position())[0] < 5.0]
    for text in on_edges:
        i, j = (int(c) for c in text.get_text()[1:].translate(sub))
        where = np.array(text.get_position())
        assert _segment_distance(where, *edges[(i, j)]) < 1e-9, f"{text.get_text()} is not on its edge"
        for other, (a, b) in edges.items():  # and no other edge runs under the label
            assert other == (i, j) or _segment_distance(where, a, b) > 0.2, (text.get_text(), other)
    centres = [np.array(t.get_position()) for t in on_edges]
    for k, a in enumerate(centres):  # no two labels on top of each other
        assert all(abs(a[1] - b[1]) > 0.3 or abs(a[0] - b[0]) > 0.6 for b in centres[k + 1:])
        assert text.get_color() == INPUT_COLOURS[i - 1]
    cells = sorted((t for t in labels if t not in on_edges), key=lambda t: (-t.get_position()[1], t.get_position()[0]))
    assert [t.get_text().translate(sub) for t in cells] == [f"w{i}{j}" for i in range(1, p + 1) for j in range(1, q + 1)]
    assert [t.get_color() for t in cells] == [INPUT_COLOURS[i] for i in range(p) for _ in range(q)]
    plt.close(fig)


@settings(max_examples=12)
@given(n=st.integers(1, 300), p=st.integers(1, 9), d=st.integers(1, 9), q=st.integers(1, 9))
def test_the_shape_picture_shows_the_shapes_numpy_computes(n: int, p: int, d: int, q: int) -> None:
    from labcode.figures.networks import hidden_gradient_shapes, shapes_figure

    shapes = hidden_gradient_shapes({"n": n, "p": p, "d": d, "q": q})
    assert shapes == {"E": (n, q), "beta2T": (q, d), "E beta2T": (n, d), "phi'(Z)": (n, d),
                      "hadamard": (n, d), "XT": (p, n), "gradient": (p, d)}
    texts = [t.text for t in svg_texts(render_svg(shapes_figure({"n": n, "p": p, "d": d, "q": q})))]
    shown = [t for t in texts if t.startswith("(")]
    expected = [shapes[k] for k in ("E", "beta2T", "E beta2T", "E beta2T", "phi'(Z)", "hadamard",
                                    "gradient", "XT", "hadamard")]
    assert shown == [f"({r}, {c})" for r, c in expected]
    assert f"n = {n}, p = {p}, d = {d}, q = {q}; a side grows with its size (not to scale)" in texts


def test_chapter_6_prints_the_sizes_of_its_shape_picture() -> None:
    import ast

    from labcode.figures.networks import CHAPTER_6_SIZES

    printed = _output_after("hadamard-gradient.md", "print(check_shapes(X=(X,")
    assert ast.literal_eval(printed) == CHAPTER_6_SIZES


# --- every figure: size on the page, and a background that lets the palette through ----

#: The width of Material's content column in a 1280-pixel window (what the browser
#: test measures; a figure wider than this is scaled down, and its text with it).
COLUMN_PX = 688
MIN_TEXT_PX = 11.0


def _texts(fig, color=None) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if color is None or t.get_color() == color]


#: What each registered figure holds, read from the matplotlib figure before it becomes SVG (drawing
#: a figure costs up to 600 training epochs, so each is drawn once, here, and not again in a docstring).
CONTENTS = {
    "chain-graph.svg": lambda fig: _texts(fig, BACKWARD)[:5] == ["24", "12", "12", "12", "1"],
    "fan-out-graph.svg": lambda fig: _texts(fig)[-4] == "fan-out adds: 4.5 + 9 = 13.5",
    "forgotten-zero-grad.svg": lambda fig: [line.get_label() for line in fig.axes[0].lines]
    == ["zero_grad() every step", "zero_grad() forgotten"],
    "gradient-patterns.svg": lambda fig: {"add", "multiply", "fan-out"} <= set(_texts(fig)),
    "gradient-size.svg": lambda fig: (len(fig.axes), len(fig.axes[0].lines),
                                      len(fig.axes[1].lines[0].get_xdata())) == (2, 6, 19),
    "hadamard-shapes.svg": lambda fig: _texts(fig)[-1]
    == "n = 100, p = 3, d = 2, q = 1; a side grows with its size (not to scale)",
    "layer-diagram.svg": lambda fig: [t for t in _texts(fig) if t.startswith("W")] == ["W, shape (p, q) = (3, 2)"],
    "performance.svg": lambda fig: (len(fig.axes), fig.axes[2].get_xscale()) == (4, "log"),
    "reference-loss.svg": lambda fig: (fig.axes[0].get_yscale(), len(fig.axes[0].lines[0].get_xdata()))
    == ("log", 300),
    "sigmoid-graph-numbers.svg": lambda fig: _texts(fig, FORWARD)[:5] == ["1", "−1", "0.368", "1.37", "0.731"],
    "sigmoid-graph.svg": lambda fig: sorted(_texts(fig))[:5] == ["A", "A = −x", "B", "B = exp(A)", "C"],
    "sigmoid.svg": lambda fig: [line.get_label() for line in fig.axes[0].get_lines()][:2]
    == ["σ(x)", "σ'(x) = σ(x)(1 − σ(x))"],
    "spiral-classifier.svg": lambda fig: (len(fig.axes), len(fig.axes[0].lines[0].get_xdata())) == (2, 1000),
    "step-size.svg": lambda fig: len(fig.axes) >= 1,
}


def test_every_figure_has_its_contents_listed() -> None:
    assert sorted(CONTENTS) == sorted(registry())


@pytest.mark.parametrize("name", sorted(registry()))
def test_every_figure_has_readable_text_and_no_background(name: str) -> None:
    from tests.svg_text import viewbox_width

    fig, svg = registered_drawing(name)
    assert CONTENTS[name](fig), f"{name} does not hold what it should"
    width = viewbox_width(svg)  # in points; the browser shows a point as 4/3 pixel
    shown = min(width * 4 / 3, COLUMN_PX)
    texts = svg_texts(svg)
    smallest = min(texts, key=lambda t: t.size)
    assert smallest.size * shown / width >= MIN_TEXT_PX, (
        f"{name}: {smallest.text!r} is {smallest.size * shown / width:.1f} px high in a {COLUMN_PX} px column")
    background = re.search(r'<g id="patch_1">\s*<path [^>]*style="(?P<style>[^"]*)"', svg.decode())
    assert background and background.group("style") == "fill: none", f"{name} has an opaque background"


def _elements(svg: str) -> list[tuple[str, dict[str, str], str]]:
    """Every element of an SVG document in order: its tag, its attributes and its text, with every
    run of whitespace made one space (the same path data, style or text to a renderer)."""
    import xml.etree.ElementTree as ET

    def spaced(text: str | None) -> str:
        return " ".join((text or "").split())

    return [(e.tag, {k: spaced(v) for k, v in e.attrib.items()}, spaced(e.text))
            for e in ET.fromstring(svg.encode()).iter()]


@pytest.mark.parametrize("name", sorted(registry()))
def test_a_figure_loses_nothing_in_its_data_url(name: str) -> None:
    """`data_url` writes the SVG smaller, read back by an XML parser it is the same document (same
    elements, attributes and text), its text reads the same, and the URL is shorter than the SVG."""
    from labcode.figures import data_url
    from tests.site.scan import inline_svg
    from tests.svg_text import viewbox_width

    svg = registered_svg(name)
    url = data_url(svg)
    carried = inline_svg(url)
    assert url.startswith("data:image/svg+xml,") and '"' not in url
    assert _elements(carried) == _elements(svg.decode())
    assert [dataclasses.replace(t, text=" ".join(t.text.split())) for t in svg_texts(svg)] == svg_texts(carried)
    assert svg_texts(carried) and viewbox_width(carried) == viewbox_width(svg)
    assert len(url) < 0.96 * len(svg), (len(url), len(svg))  # percent-encoding alone would make it longer


# --- chapter 9: labcode's own source on the page ----------------------------------------


def _listed_objects():
    from labcode import autograd

    return [autograd.Variable.__init__, autograd.Function.__call__, autograd.MatMul,
            autograd.Variable.backward, autograd._topological_order]


def _without_docstrings(lines: list[str]) -> list[str]:
    """Drop every triple-quoted block (and a blank line after it), by scanning for the quotes."""
    kept, inside, skip_blank = [], False, False
    for line in lines:
        quotes = line.count('"' * 3)
        if inside or quotes:
            inside = inside != (quotes % 2 == 1)  # an odd count opens or closes a block
            skip_blank = not inside
            continue
        if skip_blank and not line.strip():
            skip_blank = False
            continue
        skip_blank = False
        kept.append(line)
    return kept


@pytest.mark.parametrize("obj", _listed_objects(), ids=lambda o: o.__qualname__)
def test_a_listing_is_the_file_without_its_docstrings(obj) -> None:
    """Read independently of `source_lines`: the file's lines from first to last, less the
    docstrings, are the listing; and no line of the listing is wider than 80 characters."""
    import inspect
    import textwrap

    from labcode.figures.listing import source_lines, source_listing

    file, first, last, code = source_lines(obj)
    lines = (DOCS.parent / file).read_text(encoding="utf-8").splitlines()[first - 1:last]
    if obj.__doc__:  # its own docstring, if it has one, is in the file and not in the listing
        summary = inspect.cleandoc(obj.__doc__).splitlines()[0]
        assert summary in "\n".join(lines) and summary not in code
    assert lines[0].lstrip().startswith(("def ", "class ")) and lines[-1].strip()
    assert code.splitlines() == _without_docstrings(lines)
    listing = source_listing(obj)
    body = listing.split("```python\n")[1].rsplit("```", 1)[0]
    assert body.rstrip("\n") == textwrap.dedent(code)
    assert max(len(line) for line in body.splitlines()) <= 80, "a listed line would scroll sideways"
    assert listing.startswith(f"`{file}`, lines {first} to {last}:")


def test_a_listing_needs_a_source_file() -> None:
    from labcode.figures.listing import source_lines

    with pytest.raises(TypeError, match="defined in a file"):
        source_lines(len)


def test_chapter_9_shows_the_autograd_source(built_site) -> None:
    """Every line of the listed functions is on the built page, as the file has it now."""
    import html as html_module

    from labcode.figures.listing import source_lines

    from tests.site.scan import search_entries

    page = (built_site.path / "autograd-steps" / "index.html").read_text(encoding="utf-8")
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", page))
    indexed = html_module.unescape(" ".join(e["text"] for e in search_entries(built_site.path)))
    for obj in _listed_objects():
        file, first, last, code = source_lines(obj)
        assert f"{file}, lines {first} to {last}:" in shown, obj
        for line in code.splitlines():
            assert line.strip() in shown, f"{obj.__qualname__}: {line.strip()!r} is not on the page"
        longest = max(code.splitlines(), key=len).strip()
        assert longest not in indexed, f"the search index holds the listing of {obj.__qualname__}"
