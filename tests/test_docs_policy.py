"""No code on a page may go untested without this module failing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest
import yaml

import labcode
from tests.docs_harness import (
    DOCS,
    ROOT,
    content_pages,
    executed_examples,
    skip_directives,
    unrun_python,
)

PAGES = sorted(DOCS.rglob("*.md"))


def _ids(paths):
    return [str(p.relative_to(DOCS)) for p in paths]


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_no_python_is_silently_skipped(page: Path) -> None:
    problems = unrun_python(page)
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("page", content_pages(), ids=_ids(content_pages()))
def test_every_content_page_runs_code(page: Path) -> None:
    assert executed_examples(page), f"{page.relative_to(ROOT)} has no executed code block"


def test_every_skip_has_a_reason() -> None:
    skips = skip_directives()
    missing = [s.where for s in skips if s.action in ("next", "start") and s.reason is None]
    assert not missing, "skip directive without a reason on the same line: " + ", ".join(missing)


# --- the policy checks themselves are checked on pages written to fail -------


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(body), encoding="utf-8")
    return page


@pytest.mark.parametrize(
    "fence",
    ["```py", "```pycon", "```python3", "```python title=\"x.py\"", "``` python", "```{.python}",
     "~~~ipython", "```text", "```python exec=\"1\"", "```python exec=\"on\" source=\"above\""],
)
def test_unrun_fences_are_reported(tmp_path: Path, fence: str) -> None:
    closing = fence[:3]
    page = _page(tmp_path, f"Intro\n\n{fence}\n>>> 1 + 1\n2\n{closing}\n")
    [problem] = unrun_python(page)
    assert problem.where.endswith("page.md:3")


def test_indented_prompt_after_a_list_is_reported(tmp_path: Path) -> None:
    page = _page(tmp_path, "- a list item\n\n        >>> 1 + 1\n        2\n")
    [problem] = unrun_python(page)
    assert "outside a ```python fence" in problem.what and problem.where.endswith(":3")


def test_run_fences_pass(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "```python\n>>> 1 + 1\n2\n```\n\n- item\n\n    ```python\n    x = 1\n    ```\n\n```output\n```\n"
        '\n```python exec="on"\nprint("| a |\\n|---|")\n```\n\n```python exec="on" html="1"\nprint("<p>")\n```\n',
    )
    assert unrun_python(page) == []


def test_skip_reasons_are_parsed(tmp_path: Path, monkeypatch) -> None:
    import tests.docs_harness as harness

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        '<!-- skip: next "needs PyTorch" -->\n'
        "<!-- skip: next -->\n"
        "<!-- skip: start if(True, reason='slow on CI') -->\n"
        "<!-- skip: end -->\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(harness, "DOCS", docs)
    monkeypatch.setattr(harness, "ROOT", tmp_path)
    found = [(s.where, s.action, s.reason) for s in harness.skip_directives()]
    assert found == [
        ("docs/a.md:1", "next", "needs PyTorch"),
        ("docs/a.md:2", "next", None),
        ("docs/a.md:3", "start", "slow on CI"),
        ("docs/a.md:4", "end", None),
    ]


# --- the package side --------------------------------------------------------


def _public_modules() -> list[str]:
    return sorted(
        info.name for info in pkgutil.iter_modules(labcode.__path__) if not info.name.startswith("_")
    )


@pytest.mark.parametrize("module", _public_modules())
def test_every_module_has_an_api_page_in_the_nav(module: str) -> None:
    page = DOCS / "api" / f"{module}.md"
    assert page.exists(), f"docs/api/{module}.md is missing"
    assert f"::: labcode.{module}" in page.read_text(encoding="utf-8")
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"api/{module}.md" in nav, f"api/{module}.md is not in the nav of mkdocs.yml"


@pytest.mark.parametrize("package", ["figures", "bench"])
def test_every_submodule_is_on_its_package_api_page(package: str) -> None:
    # The subpackages' modules share their package's API page.
    sub = importlib.import_module(f"labcode.{package}")
    text = (DOCS / "api" / f"{package}.md").read_text(encoding="utf-8")
    missing = [
        info.name
        for info in pkgutil.iter_modules(sub.__path__)
        if not info.name.startswith("_") and f"::: labcode.{package}.{info.name}" not in text
    ]
    assert missing == [], f"docs/api/{package}.md lacks ::: labcode.{package}.<module> for {missing}"


def _all_modules() -> list[str]:
    """Every module of labcode, subpackages' modules included (``bench.suite``, ``figures.sigmoid``, ...)."""
    names = []
    for info in pkgutil.walk_packages(labcode.__path__, prefix="labcode."):
        name = info.name.removeprefix("labcode.")
        if not any(part.startswith("_") for part in name.split(".")):
            names.append(name)
    return sorted(names)


def _public_callables():
    for module_name in _all_modules():
        module = importlib.import_module(f"labcode.{module_name}")
        names = getattr(module, "__all__", None)
        assert names is not None, f"labcode.{module_name} has no __all__"
        for name in names:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
                yield f"labcode.{module_name}.{name}", obj


_FENCE = re.compile(r"```python[^\n]*\n(.*?)```|<!-- invisible-code-block: python\n(.*?)-->", re.DOTALL)


def _code_that_runs() -> list[tuple[str, str]]:
    """(where, code) for every page's python blocks, every docstring's examples and every test module."""
    sources = []
    for page in PAGES:
        blocks = ["".join(groups) for groups in _FENCE.findall(page.read_text(encoding="utf-8"))]
        sources.append((str(page.relative_to(ROOT)), "\n".join(blocks)))
    for path in sorted((ROOT / "labcode").rglob("*.py")):
        lines = [line.strip()[4:] for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip().startswith((">>> ", "... "))]
        sources.append((f"docstrings of {path.relative_to(ROOT)}", "\n".join(lines)))
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        sources.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return sources


_SOURCES = _code_that_runs()


# ``from labcode.x import a, b`` on one line, or ``import (a,\n b,\n)`` over several (doctest ``...`` prompts included).
_FROM_IMPORT = re.compile(r"from (labcode(?:\.\w+)*) import (?:\(([\w\s,.]*)\)|([\w ,]+))")
_IMPORT_AS = re.compile(r"import (labcode(?:\.\w+)+) as (\w+)")


def _names_used(code: str) -> set[str]:
    """Every ``labcode.<module>.<name>`` that ``code`` imports by name or reaches as an attribute of a module."""
    used, aliases = set(), {"labcode": "labcode"}
    for module, *groups in _FROM_IMPORT.findall(code):
        for item in "".join(groups).replace("...", " ").split(","):
            words = re.findall(r"\w+", item)
            # ``name as alias`` binds the alias; any other item, every word as a name
            pairs = [(words[0], words[2])] if len(words) == 3 and words[1] == "as" else [(w, w) for w in words]
            for name, alias in pairs:
                used.add(f"{module}.{name}")
                aliases[alias] = f"{module}.{name}"  # a module imported from its package is an alias too
    for module, alias in _IMPORT_AS.findall(code):
        aliases[alias] = module
    for alias, module in aliases.items():
        for name in re.findall(rf"(?<![\w.]){re.escape(alias)}\.(\w+)", code):
            used.add(f"{module}.{name}")
    return used


_USED = [(where, _names_used(code)) for where, code in _SOURCES]


def _users(qualname: str) -> list[str]:
    """Where running code imports the object or reaches it through its module (or a package that re-exports it)."""
    module_name, name = qualname.rsplit(".", 1)
    obj = getattr(importlib.import_module(module_name), name, None)
    if obj is None:
        return []
    parts = module_name.split(".")
    spellings = {f"{'.'.join(parts[:k])}.{name}" for k in range(1, len(parts) + 1)
                 if getattr(importlib.import_module(".".join(parts[:k])), name, None) is obj}
    return [where for where, used in _USED if used & spellings]


def _registered_and_run(obj: object) -> bool:
    """A figure embedded by a page, or a benchmark run by name: both registries call their entries by name."""
    import labcode.bench
    import labcode.figures

    names = [name for name, draw in labcode.figures.registry().items() if draw is obj]
    names += [name for name, bench in labcode.bench.registry().items() if bench.function is obj]
    return any(f'"{name}"' in code for name in names for _, code in _SOURCES)


def _exercised(qualname: str, seen: frozenset[str] = frozenset()) -> bool:
    """Named by running code; a class also when something of its module that is returns, holds or calls it."""
    if _users(qualname) or _registered_and_run(getattr(importlib.import_module(qualname.rsplit(".", 1)[0]),
                                                         qualname.rsplit(".", 1)[1], None)):
        return True
    if not inspect.isclass(getattr(importlib.import_module(qualname.rsplit(".", 1)[0]), qualname.rsplit(".", 1)[1], None)):
        return False
    module_name, name = qualname.rsplit(".", 1)
    module = importlib.import_module(module_name)

    def annotations(other: str) -> str:  # a return type, fields, or the code of a function that makes it
        if other in getattr(module, "__annotations__", {}):
            return str(module.__annotations__[other])
        thing = getattr(module, other, None)
        if inspect.isfunction(thing):
            return str(thing.__annotations__.get("return", "")) + inspect.getsource(thing).split('"""')[-1]
        return str(getattr(thing, "__annotations__", "")) if inspect.isclass(thing) else ""

    others = (set(getattr(module, "__all__", ())) | set(getattr(module, "__annotations__", {}))) - {name} - seen
    return any(re.search(rf"\b{name}\b", annotations(other)) and _exercised(f"{module_name}.{other}", seen | {name})
               for other in sorted(others))


@pytest.mark.parametrize("qualname,obj", list(_public_callables()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_object_is_exercised_and_documented(qualname: str, obj) -> None:
    """Run by a page, a docstring example or a test, and documented by at least a summary line.

    A class that something else of its module returns, holds or calls (a
    report, a named tuple, a registry's entries, an operation behind its
    wrapper) is run whenever that is; a figure or a benchmark, when a page
    or a test calls it by its registered name.
    """
    assert (obj.__doc__ or "").strip(), f"{qualname} has no docstring"
    assert _exercised(qualname), f"{qualname} is not run by any page, docstring example or test"


def test_the_exercise_check_catches_an_unused_object() -> None:
    """The check above fails on a public function that nothing runs (its name is made here, so no source has it)."""
    name = "unused_" + "x" * 3

    def unused() -> None:
        """A summary."""

    unused.__name__ = name
    with pytest.raises(AssertionError, match="is not run by any page, docstring example or test"):
        test_every_public_object_is_exercised_and_documented(f"labcode.shapes.{name}", unused)
    test_every_public_object_is_exercised_and_documented("labcode.shapes.check_shapes", labcode.shapes.check_shapes)


def test_imports_are_read_whole() -> None:
    """Every name of a parenthesised import over several lines counts, not only the first; ``as`` binds an alias."""
    code = ("from labcode.x import a, b  # c\nfrom labcode.y import (\n    d,\n    e,\n)\n"
            ">>> from labcode.z import (f,\n...     g)\n")
    assert {f"labcode.{n}" for n in ("x.a", "x.b", "y.d", "y.e", "z.f", "z.g")} <= _names_used(code)
    assert "labcode.x.c" not in _names_used(code)
    aliased = "from labcode import autograd as ag\nag.neg(x)\n>>> from labcode.autograd import sum as sum_\n"
    assert {"labcode.autograd.neg", "labcode.autograd.sum"} <= _names_used(aliased)
    assert "labcode.ag.neg" not in _names_used(aliased)


_SPHINX_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|obj|exc|ref):`")


def test_docstrings_use_markdown_not_sphinx_roles() -> None:
    # mkdocstrings renders docstrings as Markdown: a Sphinx role such as
    # :func:`get` would reach the API reference as literal text.
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "labcode").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _SPHINX_ROLE.search(line)
    ]
    assert offenders == [], "Sphinx roles render literally; use `code` spans:\n" + "\n".join(offenders)


def _mkdocs_config() -> dict:
    """mkdocs.yml as data; its `!!python/...` and `!ENV` tags read as None."""

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    _Loader.add_constructor("!ENV", lambda loader, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def test_nav_lists_every_page() -> None:
    config = _mkdocs_config()

    def walk(item):
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                yield from walk(value)
        elif isinstance(item, list):
            for value in item:
                yield from walk(value)

    in_nav = set(walk(config["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in PAGES}
    assert on_disk - in_nav == set(), "pages missing from the nav"
    assert in_nav - on_disk == set(), "nav entries with no page"


def _run_page(tmp_path: Path, body: str) -> list[str]:
    """Run every example of a page through the docs harness; return the failures."""
    from sybil.example import SybilFailure

    from tests.docs_harness import docs_sybil

    page = _page(tmp_path, body)
    failures = []
    document = docs_sybil.parse(page)
    docs_sybil.setup(document.namespace)
    try:
        for example in document.examples():
            try:
                example.evaluate()
            except SybilFailure as failure:
                failures.append(str(failure))
    finally:
        docs_sybil.teardown(document.namespace)
    return failures


def test_printed_output_is_compared_with_the_output_fence(tmp_path: Path) -> None:
    good = "```python\nprint(1 + 1)\n```\n\n```output\n2\n```\n"
    assert _run_page(tmp_path, good) == []
    [failure] = _run_page(tmp_path, good.replace("```output\n2", "```output\n3"))
    assert "differs from the ```output fence" in failure


def test_printed_output_without_an_output_fence_fails(tmp_path: Path) -> None:
    [failure] = _run_page(tmp_path, "```python\nprint('nobody checks me')\n```\n")
    assert "no ```output fence follows it" in failure


def test_an_output_fence_with_nothing_printed_fails(tmp_path: Path) -> None:
    [failure] = _run_page(tmp_path, "```python\nx = 2\n```\n\n```output\n2\n```\n")
    assert "differs" in failure


def test_doctest_output_is_checked(tmp_path: Path) -> None:
    assert _run_page(tmp_path, "```python\n>>> 6 * 7\n42\n\n```\n") == []
    assert len(_run_page(tmp_path, "```python\n>>> 6 * 7\n41\n\n```\n")) == 1


def test_pages_print_with_numpy_defaults(tmp_path: Path) -> None:
    import numpy as np

    with np.printoptions(precision=2, suppress=True):
        page = "```python\n>>> import numpy as np\n>>> np.array([1/3])\narray([0.33333333])\n\n```\n"
        assert _run_page(tmp_path, page) == []
        assert np.get_printoptions()["precision"] == 2  # restored after the page


# --- prose for readers, and one template for every chapter -------------------

#: Phrases no content page may contain, each with what it betrays. This test
#: catches these spellings only: a note to ourselves worded otherwise, or a
#: sentence that explains why a check passes, is left to reading the page.
#: HTML comments (invisible code blocks, skip directives) are not shown to the
#: reader and are not searched.
FORBIDDEN_PHRASES = {
    r"\bsource material\b|\bthe source\b|\bsource (?:case|saw|sizes)\b":
        "a source the reader never sees (cite a public reference instead)",
    r"#\s*doctest\s*:": "a doctest directive shown to the reader (hide such a check in an invisible block)",
    r"while this chapter was written|this book set itself|\bdevelopment log\b":
        "a development log or a project target",
    r"so the (?:page|test) checks|so (?:that )?the test passes|`tests/":
        "test rationale, or a test file the reader cannot see",
    r"\\mathbb\s*\{?\s*1": r"\mathbb 1, which KaTeX draws as a plain 1 (write \mathbf{1})",
    r"the whole chapter is named after": "a leftover from an earlier title",
}

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def reader_problems(text: str, where: str = "page") -> list[str]:
    """Each forbidden phrase in ``text`` outside HTML comments, as ``where:line: phrase (why)``."""
    shown = _HTML_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    problems = []
    for number, line in enumerate(shown.splitlines(), start=1):
        for pattern, why in FORBIDDEN_PHRASES.items():
            for match in re.finditer(pattern, line, re.IGNORECASE):
                problems.append(f"{where}:{number}: {match.group()!r}: {why}")
    return problems


@pytest.mark.parametrize("page", content_pages(), ids=_ids(content_pages()))
def test_pages_hold_no_notes_for_the_authors(page: Path) -> None:
    problems = reader_problems(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "line",
    [
        "The source material used scale 0.05.",
        "The source saw about 3e-8 here.",
        ">>> x  # doctest: +ELLIPSIS",
        "Three changes were measured while this chapter was written.",
        "The targets this book set itself.",
        "Its message varies, so the page checks only that it is a ValueError.",
        "`tests/test_network.py` repeats the recipe.",
        r"the mask \(\mathbb 1[H > 0]\)",
        r"the mask \(\mathbb{1}[H > 0]\)",
        "This is the mistake the whole chapter is named after.",
    ],
)
def test_notes_for_the_authors_are_caught(line: str) -> None:
    [problem] = reader_problems(f"# A page\n\n{line}\n")
    assert problem.startswith("page:3: ")


def test_what_the_reader_may_see_passes() -> None:
    text = (
        "Source code in labcode.\n"
        r"The mask \(\mathbf{1}[Z > 0]\) and a bold \(\mathbb{R}^p\)." "\n"
        "<!-- invisible-code-block: python\n>>> x = 1  # doctest: +SKIP\n-->\n"
        "The suite runs every block.\n"
    )
    assert reader_problems(text) == []


def _nav_titles() -> dict[str, str]:
    """Page path -> its title in the navigation of mkdocs.yml (top level only)."""
    config = _mkdocs_config()
    return {path: title for item in config["nav"] for title, path in item.items() if isinstance(path, str)}


CHAPTERS = [page for page in content_pages() if page.name != "index.md"]


@pytest.mark.parametrize("page", CHAPTERS, ids=_ids(CHAPTERS))
def test_every_chapter_follows_the_template(page: Path) -> None:
    """Numbered title and nav entry, the same opening, the same closing, no hand-made footer."""
    text = page.read_text(encoding="utf-8")
    title = text.splitlines()[0]
    number = re.match(r"# (\d+)\. \S", title)
    assert number, f"{page.name}: the title {title!r} does not start with '# <chapter number>. '"
    nav = _nav_titles()[page.name]
    assert nav.startswith(f"{number.group(1)}. "), f"{page.name}: nav title {nav!r} lacks its number"
    assert "\n**The question.** " in text, f"{page.name}: no opening '**The question.**'"
    assert "\n**After this page you can** " in text, f"{page.name}: no '**After this page you can**'"
    last_section = text[text.rindex("\n## ") + 1 :]
    assert last_section.startswith("## What to remember\n"), f"{page.name}: the last section is not 'What to remember'"
    last_paragraph = last_section.rstrip().split("\n\n")[-1]
    assert last_paragraph.startswith("**The code of this chapter** is in "), f"{page.name}: closing line"
    footer = re.findall(r"^\**(?:Previous|Next|Back to)\b.*$", text, re.MULTILINE)
    assert footer == [], f"{page.name}: hand-written links that Material's footer gives: {footer}"


def test_chapters_are_numbered_in_navigation_order() -> None:
    numbers = [int(title.split(".")[0]) for title in _nav_titles().values() if title[0].isdigit()]
    assert numbers == list(range(1, len(CHAPTERS) + 1))
