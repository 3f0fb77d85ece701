"""The built site: strict build, no warnings, nothing fetched from another host.

The site is built by MkDocs, or by Zensical with ``LABBOOK_BUILDER=zensical``
(``.ci/zensical``); every test here holds for both.
"""

from __future__ import annotations

import base64
import html
import inspect
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.site.build import BuiltSite, build_site
from tests.docs_harness import DOCS, ROOT, content_pages
from tests.site.scan import build_problems, css_requests, remote_requests, search_entries

KATEX_VERSION = "0.16.47"


def test_strict_build_has_no_warning(built_site: BuiltSite) -> None:
    assert built_site.returncode == 0, built_site.log
    warnings = build_problems(built_site.log)
    assert not warnings, "\n".join(warnings)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("WARNING -  Doc file 'a.md' contains a link 'b.md', but the target is not found", True),
        ("ERROR   -  Error reading page 'a.md'", True),
        ("\x1b[33mWarning:\x1b[0m page does not exist", True),
        ("1 issue found", True),
        ("markdown_exec: Execution of python code block exited with errors", True),
        ("INFO    -  Documentation built in 12.5 seconds", False),
        ("No issues found", False),
        ("Build finished in 5.07s", False),
    ],
)
def test_build_problems_reads_both_builders_logs(line: str, problem: bool) -> None:
    assert build_problems(f"Build started\n{line}\n") == ([line] if problem else [])


def test_a_block_that_raises_is_caught(tmp_path: Path) -> None:
    """A build-time block that raises fails the check above, on the builder under test.

    (MkDocs stops a strict build; Zensical 0.0.73 carries on and exits 0, so
    only the log says so.)"""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        '# Page\n\n```python exec="on"\nprint("fine")\n```\n\n```python exec="on"\nraise ValueError("broken block")\n```\n',
        encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: t
        site_dir: !ENV [LABBOOK_SITE_DIR, site]
        markdown_extensions: [pymdownx.superfences]
        plugins: [{markdown-exec: {languages: [python], ansi: "off"}}]
        """), encoding="utf-8")
    broken = build_site(tmp_path / "built", config_file=tmp_path / "mkdocs.yml")
    assert any("markdown_exec" in line for line in build_problems(broken.log)), broken.log
    assert "fine" in (broken.path / "index.html").read_text(encoding="utf-8"), "the good block did not run"


def test_every_page_is_built(built_site: BuiltSite) -> None:
    for page in sorted(DOCS.rglob("*.md")):
        relative = page.relative_to(DOCS).with_suffix("")
        target = built_site.path / ("index.html" if relative.name == "index" else relative / "index.html")
        assert target.exists(), f"{page} was not built to {target}"


def test_site_fetches_nothing_from_another_host(built_site: BuiltSite) -> None:
    requests = remote_requests(built_site.path)
    assert not requests, "\n".join(map(str, requests))


def test_math_is_left_for_the_vendored_katex(built_site: BuiltSite) -> None:
    """Every page names katex-init.js, which loads the vendored KaTeX on a page with math
    (the browser test checks that it does, and only there)."""
    index = (built_site.path / "index.html").read_text(encoding="utf-8")
    assert 'class="arithmatex"' in index
    assert "assets/javascripts/katex-init.js" in index
    loader = (built_site.path / "assets/javascripts/katex-init.js").read_text(encoding="utf-8")
    for asset in ("katex.min.js", "auto-render.min.js", "katex.min.css"):
        assert f'"{asset}"' in loader, asset
        assert (built_site.path / "assets/vendor/katex" / asset).exists()
    vendored = (DOCS / "assets/vendor/katex/katex.min.js").read_text(encoding="utf-8")
    assert f'version:"{KATEX_VERSION}"' in vendored.replace(" ", ""), "README names another KaTeX version"


def test_no_test_harness_is_published(built_site: BuiltSite) -> None:
    assert not list(built_site.path.rglob("conftest.py"))
    assert not list(built_site.path.rglob("*.py"))
    assert not list(built_site.path.rglob("*.jinja")), "mkdocstrings' template overrides are published"


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>',
        '<script src="//cdn.jsdelivr.net/npm/katex/dist/katex.min.js"></script>',
        '<img src="http://example.org/a.png" alt="a">',
        '<img srcset="a.png 1x, https://example.org/b.png 2x" alt="b">',
        '<div style="background: url(https://example.org/bg.png)"></div>',
        '<style>@import "https://example.org/x.css";</style>',
        '<link rel="icon" href="https://example.org/favicon.ico">',
        '<img alt="a figure" src="data:image/svg+xml;base64,'
        + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/x.png"/></svg>')
        .decode() + '">',
    ],
)
def test_scanner_catches_remote_fetches(tmp_path, html: str) -> None:
    (tmp_path / "index.html").write_text(f"<html><head></head><body>{html}</body></html>")
    assert len(remote_requests(tmp_path)) == 1


def test_scanner_ignores_links_and_local_fetches(tmp_path) -> None:
    (tmp_path / "index.html").write_text(
        '<a href="https://example.org">a link is not a fetch</a>'
        '<script src="assets/x.js"></script><img src="http://127.0.0.1:8000/a.png" alt="">'
        '<img src="data:image/png;base64,AAAA" alt="">'
    )
    (tmp_path / "a.css").write_text("@font-face{src:url(fonts/a.woff2) format('woff2')}")
    assert remote_requests(tmp_path) == []
    assert len(css_requests("a{background:url('https://example.org/x.png')}", "a.css")) == 1


def test_content_pages_are_known() -> None:
    assert (DOCS / "index.md") in content_pages()


_EMBED = re.compile(r'^```python exec="on" html="1"\nfrom labcode\.figures import embed\nprint\(embed\("(?P<name>[\w.-]+)", ', re.M)


def _figures_on_pages() -> dict[str, list[str]]:
    """Figure name -> the pages whose build-time blocks embed it."""
    pages: dict[str, list[str]] = {}
    for page in sorted(DOCS.rglob("*.md")):
        for match in _EMBED.finditer(page.read_text(encoding="utf-8")):
            pages.setdefault(match.group("name"), []).append(page.relative_to(DOCS).with_suffix("").as_posix())
    return pages


def _built_page(site: Path, page: str) -> str:
    target = site / ("index.html" if page == "index" else f"{page}/index.html")
    return target.read_text(encoding="utf-8")


def test_every_registered_figure_is_on_a_page_as_drawn(built_site: BuiltSite) -> None:
    """Each figure is on its page, as the very bytes a fresh drawing gives here (so drawing is
    deterministic: the build's process and this one agree), and with its alt text."""
    from labcode.figures import data_url, registry

    from tests.svg_text import registered_svg

    figures = registry()
    on_pages = _figures_on_pages()
    assert set(on_pages) - set(figures) == set(), "pages embed figures that no code draws"
    assert set(figures) - set(on_pages) == set(), "figures that no page shows"
    for name, pages in on_pages.items():
        drawn = registered_svg(name)
        assert drawn.startswith(b"<?xml") and b"<svg" in drawn
        for page in pages:
            images = re.findall(r'<img alt="([^"]+)" src="(data:image/svg\+xml[,;][^"]+)"', _built_page(built_site.path, page))
            assert data_url(drawn) in [src for _, src in images], f"{page}: {name} is missing or differs from a fresh drawing"


def test_performance_tables_follow_the_results_file(built_site: BuiltSite) -> None:
    """The performance page prints the table of every benchmark in the results file, and the machine."""
    from labcode.bench.report import load_results

    results = load_results()
    source = (DOCS / "performance.md").read_text(encoding="utf-8")
    tabled = re.findall(r'^print\(benchmark_table\("([\w-]+)"\)\)$', source, re.M)
    assert sorted(tabled) == sorted(results["benchmarks"]), "a benchmark of the file has no table, or one twice"
    page = _built_page(built_site.path, "performance")
    for result in results["benchmarks"].values():
        for case in result["cases"]:
            assert f"<td><code>{html.escape(case, quote=False)}</code></td>" in page, case
    assert f"<td>{results['date']}</td>" in page, "the machine table is missing"


def test_source_listings_are_shown_but_not_indexed(built_site: BuiltSite) -> None:
    """The API pages show each function's source, and the search index holds its docstring but not its code."""
    from labcode.bench.report import benchmark_table
    from labcode.figures import figure

    entries = search_entries(built_site.path)
    indexed = html.unescape(" ".join(entry["text"] for entry in entries))
    assert "Source code in" not in indexed
    for function, page in ((figure, "api/figures"), (benchmark_table, "api/bench")):
        shown = html.unescape(re.sub(r"<[^>]+>", "", _built_page(built_site.path, page)))
        summary = inspect.getdoc(function).splitlines()[0].split("`")[0].strip()
        code = [line.strip() for line in inspect.getsource(function).split('"""')[-1].splitlines() if len(line.strip()) > 20]
        assert code, function
        assert summary in indexed, f"the docstring of {function.__name__} is not in the search index"
        for line in code:
            assert line in shown, f"{page} does not show the source line {line!r}"
            assert line not in indexed, f"the search index holds the source line {line!r}"


def test_docstring_examples_are_shown_but_not_indexed(built_site: BuiltSite) -> None:
    """The code of an Examples section is on the API page and out of the search index
    (docs/templates/python/material/docstring/examples.html.jinja); the text around it stays in."""
    from labcode.graph import Unit

    example = ">>> unit = Exp()"
    assert example in inspect.getdoc(Unit)
    indexed = html.unescape(" ".join(entry["text"] for entry in search_entries(built_site.path)))
    shown = html.unescape(re.sub(r"<[^>]+>", "", _built_page(built_site.path, "api/graph")))
    assert example in shown, "the example is not on the API page"
    assert example not in indexed, "the search index holds a docstring example"
    assert "A one-input, one-output node of a computational graph" in indexed


def test_build_time_blocks_are_python_only() -> None:
    """markdown-exec runs only Python blocks: its pyodide blocks would load Python from a CDN."""
    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("!ENV", lambda loader, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    [exec_plugin] = [p["markdown-exec"] for p in config["plugins"] if isinstance(p, dict) and "markdown-exec" in p]
    assert exec_plugin["languages"] == ["python"]
    fences = {m.group(1) for page in DOCS.rglob("*.md") for m in re.finditer(r"^\s*```+ *(\S+)[^\n]*exec=", page.read_text(encoding="utf-8"), re.M)}
    assert fences <= {"python"}, fences
