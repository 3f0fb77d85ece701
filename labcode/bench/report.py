"""The results file: save a suite of benchmark results as JSON, load it back, tabulate it.

The performance page of the site never times anything while it is built: it
reads the committed results file `RESULTS_FILE` through `load_results`, and
its tables come from `benchmark_table` and `machine_table`, printed by blocks
that the site builder runs while it builds the page (markdown-exec). So the
page always shows what the file holds.

The file is package data of `labcode.bench` (``performance.json``, found with
`importlib.resources`, not by a path into a source checkout), so the page's
code runs from an installed wheel as it does from a clone. It is regenerated
from a clone with ``python -m labcode.bench all --json
labcode/bench/performance.json``; a reader's own results go to a file of their
choosing and are read with ``load_results(path)``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from labcode.bench.suite import SCHEMA

__all__ = [
    "RESULTS_FILE",
    "save_results",
    "load_results",
    "format_seconds",
    "format_result",
    "markdown_table",
    "benchmark_table",
    "machine_table",
]

#: The committed results file that the performance page shows; it ships inside the package.
RESULTS_FILE = Path(str(resources.files("labcode.bench") / "performance.json"))

_SUITE_KEYS = {"schema", "date", "quick", "clock", "machine", "benchmarks"}
_RESULT_KEYS = {"benchmark", "clock", "unit", "repeats", "cases", "ratios", "targets", "remarks", "blas_threads"}
_CASE_KEYS = {"median", "min", "max", "number", "note", "params"}


def save_results(suite: dict[str, Any], path: str | Path) -> Path:
    """Write a suite (from `labcode.bench.run_suite`) to ``path`` as indented JSON, creating missing folders; the suite is checked before anything is written."""
    _validate(suite, str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _validate(suite: Any, where: str) -> None:
    if not isinstance(suite, dict):
        raise ValueError(f"{where}: a results file holds a JSON object, got {type(suite).__name__}")
    if suite.get("schema") != SCHEMA:
        raise ValueError(
            f"{where}: schema is {suite.get('schema')!r}, expected {SCHEMA!r} "
            "(regenerate it with: python -m labcode.bench all --json PATH)"
        )
    missing = sorted(_SUITE_KEYS - set(suite))
    if missing:
        raise ValueError(f"{where}: missing keys {missing}")
    for name, result in suite["benchmarks"].items():
        missing = sorted(_RESULT_KEYS - set(result))
        if missing:
            raise ValueError(f"{where}: benchmark {name!r} is missing keys {missing}")
        for case, values in result["cases"].items():
            missing = sorted(_CASE_KEYS - set(values))
            if missing:
                raise ValueError(f"{where}: case {case!r} of benchmark {name!r} is missing keys {missing}")


def load_results(path: str | Path | None = None) -> dict[str, Any]:
    """Read a results file (by default `RESULTS_FILE`, the one the site shows) and check its layout: the suite, as `labcode.bench.run_suite` returned it.

    A missing file raises `FileNotFoundError` saying how to make one; a file
    that is not JSON or not a results file of this version (`labcode.bench.SCHEMA`)
    raises `ValueError`.
    """
    path = RESULTS_FILE if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no results file at {path}; make one with: python -m labcode.bench all --json {path}"
        )
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    _validate(suite, str(path))
    return suite


def format_seconds(value: float) -> str:
    """A time in seconds, in the unit that keeps three significant digits.

    Examples
    --------
    >>> from labcode.bench.report import format_seconds
    >>> format_seconds(0.000375), format_seconds(2.5)
    ('375 µs', '2.5 s')
    """
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def format_result(result: dict[str, Any]) -> str:
    """A result of `run` as a text table: median and range per case, then the ratios with their targets."""
    width = max([len("case"), *(len(case) for case in result["cases"])])
    median = f"median / {result['unit']}"
    lines = [
        f"{result['benchmark']}: median of {result['repeats']} blocks per case, {result['clock']} time, "
        f"{result['blas_threads']} BLAS thread(s)" + (" [quick: not for numbers]" if result["quick"] else ""),
        f"{'case':<{width}}  {median:<{max(14, len(median))}}  {'min - max':<17}  what",
    ]
    for case, c in result["cases"].items():
        spread = f"{format_seconds(c['min'])} - {format_seconds(c['max'])}"
        lines.append(
            f"{case:<{width}}  {format_seconds(c['median']):<{max(14, len(median))}}  {spread:<17}  {c['note']}".rstrip()
        )
    if result["ratios"]:
        width = max(len("ratio"), *(len(label) for label in result["ratios"]))
        lines.append(f"{'ratio':<{width}} {'value':>7}  target")
        for label, value in result["ratios"].items():
            target = result["targets"].get(label)
            shown = f"<= {target:.2f}" if target is not None else ""
            lines.append(f"{label:<{width}} {value:>7.4g}  {shown}".rstrip())
    lines.extend(f"note: {remark}" for remark in result["remarks"])
    return "\n".join(lines)


def markdown_table(result: dict[str, Any]) -> str:
    """One benchmark's result (an entry of a suite's ``benchmarks``) as Markdown: its cases, its ratios, the clock and the repeats.

    The table of cases gives the median and the range of each; the targets, which
    are for the people tuning the code, are left to `format_result`.
    """
    lines = [
        f"| case | what | median per {result['unit']} | min – max |",
        "|---|---|--:|--:|",
    ]
    def t(seconds: float) -> str:
        return format_seconds(seconds).replace(" ", "\u00a0")  # keep "4.1 µs" on one line

    for case, c in result["cases"].items():
        lines.append(f"| `{case}` | {c['note']} | {t(c['median'])} | {t(c['min'])} – {t(c['max'])} |")
    if result["ratios"]:
        lines += ["", "| ratio | value |", "|---|--:|"]
        for label, value in result["ratios"].items():
            lines.append(f"| {label} | {value:.3g} |")
    lines += [
        "",
        f"*Clock: {result['clock']} time; BLAS threads: {result['blas_threads']}; "
        f"median and range of {result['repeats']} timed blocks per case, after a warm-up block.*",
    ]
    for remark in result["remarks"]:
        lines += ["", f"*Note: {remark}.*"]
    return "\n".join(lines)


def benchmark_table(name: str, suite: dict[str, Any] | None = None) -> str:
    """The `markdown_table` of the benchmark ``name`` in ``suite`` (by default ``load_results()``); `ValueError` listing the names it has."""
    suite = load_results() if suite is None else suite
    if name not in suite["benchmarks"]:
        raise ValueError(f"no benchmark {name!r} in the results file; it has {sorted(suite['benchmarks'])}")
    return markdown_table(suite["benchmarks"][name])


def machine_table(suite: dict[str, Any]) -> str:
    """The machine and the date of a suite as a two-column Markdown table."""
    m = suite["machine"]
    blas = "; ".join(
        f"{b['library']} {b['version']}, kernels for {b['kernel']}, {b['threading']} ({b['file']})" for b in m["blas"]
    )
    rows = [
        ("date (UTC)", suite["date"]),
        ("CPU", f"{m['cpu']} ({m['architecture']}; {m['cpu_id']}; widest SIMD: {m['simd']})"),
        ("cores", str(m["cores"])),
        ("BLAS", blas or "unknown"),
        ("Python, NumPy, SciPy", f"{m['python']}, {m['numpy']}, {m['scipy']}"),
        ("PyTorch", m["torch"] or "not installed"),
        ("platform", m["platform"]),
        ("malloc", m.get("malloc", "default")),
        ("load average (1, 5, 15 min) before / after", f"{m['load_average']} / {suite.get('load_average_after')}"),
        ("clock", f"{suite['clock']} time unless a benchmark says otherwise"),
    ]
    return "\n".join(["| measured on | |", "|---|---|", *(f"| {key} | {value} |" for key, value in rows)])
