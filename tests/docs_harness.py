"""How the lab book's pages and docstrings are run: one place, used by the root
``conftest.py`` (to collect them) and by ``tests/test_docs_policy.py`` (to prove
that nothing is silently left out).

Rules enforced here:

* A fence whose info string is exactly ``python`` runs. If it starts with
  ``>>>`` it is a doctest; otherwise it is executed as a script, and whatever it
  prints must equal the ```` ```output ```` fence that follows it. A plain block
  that prints with no output fence after it fails: printed output is never left
  unchecked.
* Every page runs in its own namespace, with NumPy's print options fixed to
  NumPy's defaults (so that what a reader sees when pasting a block is what the
  page shows) and restored afterwards.
* Docstring ``Examples`` in ``labcode/*.py`` run as doctests.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sybil import Document, Example, Sybil
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import ClearNamespaceParser, PythonCodeBlockParser, SkipParser
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer
from sybil.parsers.rest import DocTestParser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LABCODE = ROOT / "labcode"

#: Doctest flags for every page and docstring. ELLIPSIS is deliberately absent:
#: a page that wants it asks for it on the line (``# doctest: +ELLIPSIS``).
DOCTEST_FLAGS = doctest.NORMALIZE_WHITESPACE

#: NumPy's own defaults, spelled out so that no earlier test can change what a
#: page prints.
PAGE_PRINT_OPTIONS = dict(
    precision=8,
    threshold=1000,
    edgeitems=3,
    linewidth=75,
    suppress=False,
    nanstr="nan",
    infstr="inf",
    sign="-",
    floatmode="maxprec",
    legacy=False,
)

_OUTPUT_LEXER = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<language>output)[ \t]*$\n", re.MULTILINE),
    mapping={"language": "language", "source": "source"},
)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


class _PrintedOutputEvaluator:
    """Run a plain code block and compare what it prints with its output fence."""

    def __init__(self, expected: str | None) -> None:
        self.expected = expected
        self.run = PythonEvaluator()

    def __call__(self, example: Example) -> str | None:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            self.run(example)
        printed = _normalise(buffer.getvalue())
        if self.expected is None:
            if printed:
                return (
                    "this block printed output but no ```output fence follows it, "
                    f"so nothing checks it:\n{printed}"
                )
            return None
        expected = _normalise(self.expected)
        if printed != expected:
            return f"printed output differs from the ```output fence\nExpected:\n{expected}\nGot:\n{printed}"
        return None



def _next_text(text: str, position: int) -> int:
    """Where the first character that is not white space at or after ``position`` is."""
    return len(text) - len(text[position:].lstrip())


#: The language of a fence's info string: ``python``, ``{.python .cool}`` and ``py title="x"`` give the first word.
_LANGUAGE = re.compile(r"^\s*\{?\s*\.?(?P<language>[^\s}]*)")


def _language(info: str) -> str:
    """The first word of a fence's info string, lower case, without ``{`` or a leading dot."""
    return _LANGUAGE.match(info).group("language").lower()


class CheckedPythonParser(PythonCodeBlockParser):
    """``python`` fences as doctests, or as scripts checked against ```output."""

    def __init__(self) -> None:
        super().__init__(doctest_optionflags=DOCTEST_FLAGS)

    def __call__(self, document: Document):
        # Keyed by where the fence's backticks start, so that a fence indented
        # inside an admonition (``??? solution``) pairs with the block above it.
        text = document.text
        outputs = {_next_text(text, region.start): region.lexemes["source"] for region in _OUTPUT_LEXER(document)}
        for region in super().__call__(document):
            if isinstance(region.evaluator, PythonEvaluator):
                expected = outputs.get(_next_text(text, region.end))
                region.evaluator = _PrintedOutputEvaluator(
                    None if expected is None else str(expected)
                )
            yield region


_saved_print_options: list[dict] = []


def _page_setup(namespace: dict) -> None:
    _saved_print_options.append(np.get_printoptions())
    np.set_printoptions(**PAGE_PRINT_OPTIONS)


def _page_teardown(namespace: dict) -> None:
    np.set_printoptions(**_saved_print_options.pop())


def docs_parsers() -> list:
    return [CheckedPythonParser(), SkipParser(), ClearNamespaceParser()]


docs_sybil = Sybil(
    parsers=docs_parsers(),
    path=str(DOCS),
    patterns=["*.md"],
    setup=_page_setup,
    teardown=_page_teardown,
    name="docs",
)

docstring_sybil = Sybil(
    parsers=[DocTestParser(optionflags=DOCTEST_FLAGS)],
    path=str(LABCODE),
    patterns=["*.py"],
    setup=_page_setup,
    teardown=_page_teardown,
    name="docstrings",
)

pytest_collect_file = (docs_sybil + docstring_sybil).pytest()


def content_pages() -> list[Path]:
    """Every page of the book except the generated API reference."""
    return sorted(p for p in DOCS.rglob("*.md") if "api" not in p.relative_to(DOCS).parts)


def executed_examples(page: Path) -> list[Example]:
    """The examples of ``page`` that run code (not skip or clear directives)."""
    document = docs_sybil.parse(page)
    return [
        example
        for example in document.examples()
        if isinstance(example.region.evaluator, (_PrintedOutputEvaluator, DocTestEvaluator))
    ]


# --- What Sybil would silently leave out -------------------------------------

_ANY_FENCE_LEXER = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
    mapping={"info": "info", "source": "source"},
)
_PYTHONISH = {"py", "py3", "python", "python3", "pycon", "ipython", "ipython3", "pytb", "pyi"}
#: A block the site builder runs while it builds the page (markdown-exec), to print a
#: figure or a table: not an example, and a failing one fails the site's build test.
BUILD_TIME_FENCE = re.compile(r'python exec="on"( html="1")?')
_PROMPT = re.compile(r"^[ \t>]*>>>", re.MULTILINE)


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _where(page: Path, text: str, offset: int) -> str:
    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    return f"{shown}:{text.count(chr(10), 0, offset) + 1}"


def unrun_python(page: Path) -> list[Problem]:
    """Python on ``page`` that Sybil would not run, each with its page and line.

    A fence is Python if its language looks like Python (``py``, ``pycon``,
    ``python title=...``, ``{.python}``...) or its body holds a ``>>>`` prompt;
    Sybil runs it only if the info string is exactly ``python``. A ``>>>`` prompt
    outside any fence (an indented code block, say) is never run either.
    """
    text = page.read_text(encoding="utf-8")
    document = Document(text, str(page))
    problems: list[Problem] = []
    covered: list[tuple[int, int]] = []
    for region in _ANY_FENCE_LEXER(document):
        covered.append((region.start, region.end))
        info = region.lexemes["info"]
        if info == "python" or BUILD_TIME_FENCE.fullmatch(info):
            continue
        first = _language(info)
        has_prompt = bool(_PROMPT.search(str(region.lexemes["source"])))
        if first in _PYTHONISH or has_prompt:
            problems.append(
                Problem(
                    _where(page, text, region.start),
                    f"fence with info string {info!r} is not run by Sybil "
                    "(only an info string of exactly 'python' runs)",
                )
            )
    for match in _PROMPT.finditer(text):
        if not any(start <= match.start() < end for start, end in covered):
            problems.append(
                Problem(
                    _where(page, text, match.start()),
                    "'>>>' outside a ```python fence (an indented block?) is not run by Sybil",
                )
            )
    return problems


# --- skip directives ---------------------------------------------------------

_SKIP = re.compile(r"<!--+\s*skip\s*:?\s*(?P<arguments>.*?)\s*-*-->", re.DOTALL)


@dataclass(frozen=True)
class SkipDirective:
    where: str
    action: str
    reason: str | None


def _reason_of(rest: str) -> str | None:
    rest = rest.strip()
    if not rest:
        return None
    try:
        value = ast.literal_eval(rest)
    except (ValueError, SyntaxError):
        value = None
    if isinstance(value, str):
        return value.strip() or None
    match = re.fullmatch(r"if\s*\(.*reason\s*=\s*(?P<q>['\"])(?P<reason>.+)(?P=q)\s*\)", rest)
    return match.group("reason").strip() if match else None


def skip_directives() -> list[SkipDirective]:
    """Every ``<!-- skip: ... -->`` in docs/, with the reason written beside it."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in _SKIP.finditer(text):
            action, _, rest = match.group("arguments").partition(" ")
            found.append(SkipDirective(_where(page, text, match.start()), action, _reason_of(rest)))
    return found
