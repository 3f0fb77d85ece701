"""The built site: strict build, no warnings, nothing fetched from another host."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BuiltSite
from tests.docs_harness import DOCS, content_pages
from tests.site_scan import css_requests, remote_requests

KATEX_VERSION = "0.16.47"


def test_strict_build_has_no_warning(built_site: BuiltSite) -> None:
    assert built_site.returncode == 0, built_site.log
    warnings = [line for line in built_site.log.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)


def test_every_page_is_built(built_site: BuiltSite) -> None:
    for page in sorted(DOCS.rglob("*.md")):
        relative = page.relative_to(DOCS).with_suffix("")
        target = built_site.path / ("index.html" if relative.name == "index" else relative / "index.html")
        assert target.exists(), f"{page} was not built to {target}"


def test_site_fetches_nothing_from_another_host(built_site: BuiltSite) -> None:
    requests = remote_requests(built_site.path)
    assert not requests, "\n".join(map(str, requests))


def test_math_is_left_for_the_vendored_katex(built_site: BuiltSite) -> None:
    index = (built_site.path / "index.html").read_text(encoding="utf-8")
    assert 'class="arithmatex"' in index
    for asset in ("katex.min.js", "auto-render.min.js", "katex.min.css"):
        assert f"assets/vendor/katex/{asset}" in index
        assert (built_site.path / "assets/vendor/katex" / asset).exists()
    vendored = (DOCS / "assets/vendor/katex/katex.min.js").read_text(encoding="utf-8")
    assert f'version:"{KATEX_VERSION}"' in vendored.replace(" ", ""), "README names another KaTeX version"


def test_no_test_harness_is_published(built_site: BuiltSite) -> None:
    assert not list(built_site.path.rglob("conftest.py"))
    assert not list(built_site.path.rglob("*.py"))


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


def _figure_links() -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for page in DOCS.rglob("*.md"):
        for name in re.findall(r"\]\((?:\.\./)*figures/([^)\s]+\.svg)", page.read_text(encoding="utf-8")):
            links.setdefault(name, []).append(str(page.relative_to(DOCS)))
    return links


def test_every_registered_figure_is_built_and_used(built_site: BuiltSite) -> None:
    from labcode.figures import registry

    names = set(registry())
    for name in names:
        svg = (built_site.path / "figures" / name).read_bytes()
        assert svg.startswith(b"<?xml") and b"<svg" in svg
    used = set(_figure_links())
    assert used - names == set(), "pages link to figures that no code draws"
    assert names - used == set(), "figures that no page shows"
