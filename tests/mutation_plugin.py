"""A pytest plugin for mutation runs (``mutmut run``), loaded with ``-p tests.mutation_plugin``.

mutmut 3 copies ``labcode/`` into ``mutants/`` with every function written out
once per mutant (``x_f__mutmut_1``, ``x_f__mutmut_2``, ...) behind a trampoline
that calls the mutant named by ``MUTANT_UNDER_TEST``. It records which tests
call each function and runs only those against that function's mutants,
stopping at the first failure. This plugin makes that fit the suite; it changes
nothing in an ordinary ``pytest`` run, which never loads it.

* **Docstring examples run once, and whole.** Each copy keeps the docstring, so
  Sybil would collect every ``Examples`` section once per mutant (and parse a
  file of many thousand lines for each mutant); only the docstrings outside the
  copies are given to Sybil. A Sybil example is one ``>>>`` statement that often
  needs the lines before it (``>>> rng = ...``), so when mutmut asks for an
  example of ``labcode/x.py`` the plugin runs every example of that file, in
  order, as the normal suite does.
* **Hypothesis is capped.** Every property test runs at most
  ``LABCODE_MUTATION_EXAMPLES`` examples (default 10), derandomized (the same
  examples on every run, so the score is reproducible), without the example
  database and without shrinking (a mutant needs one failure, not the smallest).
  Explicit ``@example`` cases always run.
* **No lock shared between mutants.** tqdm's default write lock includes a
  process-shared semaphore, inherited by every fork: a mutant killed on
  timeout while a progress bar held it would leave every later mutant that
  trains (`Trainer.fit`) waiting for ever. Each run gets a lock of its own,
  and tqdm's monitor thread (which a fork would not carry over) is off.
* **Tests of the package's layout and source are left out** (`NOT_UNDER_MUTATION`):
  they list the attributes of labcode's classes or read its source files, which
  mutmut fills with its copies.
* **Quickest tests first**, by the durations mutmut measured, so that a killed
  mutant costs little; a surviving one runs all of its tests whatever the order.

Which tests run is set by ``[tool.mutmut]`` in ``pyproject.toml``: the unit
tests and labcode's docstring examples, never the site build or the browser.
"""

from __future__ import annotations

import ast
import json
import os
import re
import threading
from functools import cache
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from sybil.document import PythonDocStringDocument
from tqdm import tqdm

from tests.hypothesis_profiles import register_mutation_profile

#: Examples per property test under mutation.
MAX_EXAMPLES = int(os.environ.get("LABCODE_MUTATION_EXAMPLES", "10"))

#: The functions mutmut writes: ``x_f__mutmut_orig``, ``x_f__mutmut_3``, ``xǁClassǁmethod__mutmut_3``.
_MUTMUT_COPY = re.compile(r"^x(_|ǁ).*__mutmut_(orig|\d+)$")

#: A Sybil docstring example's node id: ``labcode/x.py::sybil:docstrings,line:12,column:1``.
_DOCSTRING_ID = re.compile(r"^(?P<file>labcode/[^:]+\.py)::sybil:docstrings,")

#: Tests that cannot pass on mutmut's copy of labcode whatever the mutant, with the reason.
NOT_UNDER_MUTATION = {
    "tests/test_input_policy.py::test_every_public_function_has_a_policy_entry":
        "lists every method of labcode's classes, and mutmut adds its copies of each",
    "tests/test_figures.py::test_a_listing_is_the_file_without_its_docstrings":
        "reads labcode's source file, which mutmut rewrites with its copies and trampolines",
    "tests/test_figures.py::test_chapter_9_shows_the_autograd_source":
        "reads labcode's source file, which mutmut rewrites with its copies and trampolines",
}

register_mutation_profile(MAX_EXAMPLES)
settings.load_profile("mutation")


def _capped(old: settings) -> settings:
    return settings(
        old,
        max_examples=min(old.max_examples, MAX_EXAMPLES),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[p for p in old.phases if p is not Phase.shrink and p is not Phase.reuse],
    )


_extract_docstrings = PythonDocStringDocument.extract_docstrings


@cache
def _docstrings_outside_copies(source: str) -> tuple[tuple[int, int, str], ...]:
    """Sybil's docstrings of ``source`` less those of mutmut's copies of functions.

    Cached by source text: mutmut's main process reads every file once while it
    collects the statistics, and each mutant's process, a fork of it, then finds
    the answer here instead of parsing a file of many thousand lines again.
    """
    copies = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _MUTMUT_COPY.match(node.name)
    ]

    def in_copy(offset: int) -> bool:
        line = source.count("\n", 0, offset) + 1
        return any(first <= line <= last for first, last in copies)

    return tuple(found for found in _extract_docstrings(source) if not in_copy(found[0]))


PythonDocStringDocument.extract_docstrings = staticmethod(  # type: ignore[method-assign]
    lambda source: iter(_docstrings_outside_copies(source))
)


def _durations() -> dict[str, float]:
    """Each test's duration in mutmut's statistics run (empty before that run)."""
    try:
        return _read_durations(Path("mutmut-stats.json").stat().st_mtime_ns)
    except OSError:
        return {}


@cache
def _read_durations(mtime_ns: int) -> dict[str, float]:
    try:
        return json.loads(Path("mutmut-stats.json").read_text(encoding="utf-8"))["duration_by_test"]
    except (OSError, KeyError, ValueError):
        return {}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """A lock of this process's own for tqdm; whole files of docstring examples, never single ones."""
    tqdm.set_lock(threading.RLock())
    tqdm.monitor_interval = 0
    wanted: list[str] = []
    for arg in config.args:
        match = _DOCSTRING_ID.match(arg.replace(os.sep, "/"))
        arg = match["file"] if match else arg
        if arg not in wanted:
            wanted.append(arg)
    config.args[:] = wanted


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Cap hypothesis; run the quickest tests first (mutmut stops at the first failure).

    The examples of one docstring file stay together and in order, since each
    may use the names the ones before it defined.
    """
    left_out = [item for item in items if item.nodeid.split("[")[0] in NOT_UNDER_MUTATION]  # every parameter
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
    for item in items:
        test = getattr(item, "function", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None and getattr(test, "is_hypothesis_test", False):
            test._hypothesis_internal_use_settings = _capped(current)
    durations = _durations()
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        key = item.nodeid.split("::")[0] if hasattr(item, "example") else item.nodeid
        groups.setdefault(key, []).append(item)
    ordered = sorted(groups.values(), key=lambda group: sum(durations.get(i.nodeid, 0.0) for i in group))
    items[:] = [item for group in ordered for item in group]
