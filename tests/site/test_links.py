"""Every link inside the built site resolves: the file exists and so does the ``#anchor``.

No browser and no network: external links are recognised and left alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.build import BuiltSite
from tests.site.links import broken_links, is_external, parse_site, resolve, sitemap_pages


def test_built_site_has_no_broken_link_or_anchor(built_site: BuiltSite) -> None:
    assert built_site.returncode == 0, built_site.log
    problems = broken_links(built_site.path)
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems)


def test_links_are_found_on_every_page(built_site: BuiltSite) -> None:
    pages = parse_site(built_site.path)
    internal = {name: [link for link in page.links if not is_external(link.url)] for name, page in pages.items()}
    assert all(internal.values()), [name for name, links in internal.items() if not links]


def test_sitemap_lists_every_built_page(built_site: BuiltSite) -> None:
    built = {p.relative_to(built_site.path).as_posix() for p in built_site.path.rglob("*.html")} - {"404.html"}
    listed = sitemap_pages(built_site.path)
    assert "index.html" in listed
    assert sorted(listed) == sorted(built)


@pytest.mark.parametrize(
    ("page", "url", "expected"),
    [
        ("index.html", "api/shapes/", ("api/shapes/index.html", "")),
        ("index.html", "#notation", ("index.html", "notation")),
        ("api/shapes/index.html", "../activations/#labcode.activations.sigmoid",
         ("api/activations/index.html", "labcode.activations.sigmoid")),
        ("api/shapes/index.html", "../..", ("index.html", "")),
        ("api/shapes/index.html", "../../assets/x.css?v=1", ("assets/x.css", "")),
        ("404.html", "/api/shapes/", ("api/shapes/index.html", "")),
        ("404.html", "/.", ("index.html", "")),
        ("index.html", "a%20b.svg#x%20y", ("a b.svg", "x y")),
    ],
)
def test_resolve(tmp_path: Path, page: str, url: str, expected: tuple[str, str]) -> None:
    assert resolve(tmp_path, page, url) == expected


def test_external_links_are_not_checked() -> None:
    assert is_external("https://sybil.readthedocs.io/")
    assert is_external("mailto:someone@example.org")
    assert not is_external("http://127.0.0.1:8000/api/shapes/")
    assert not is_external("../shapes/#x")


def test_a_broken_link_and_a_broken_anchor_are_reported(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "index.html").write_text(
        '<h2 id="here">Here</h2><a href="#here">ok</a><a href="#nowhere">bad anchor</a>'
        '<a href="api/">ok</a><a href="api/#top">ok</a><a href="missing/">bad file</a>'
        '<a href="https://example.org/#whatever">external</a><img src="fig.svg" alt="missing">'
    )
    (tmp_path / "api" / "index.html").write_text('<a id="top"></a><a href="../#here">ok</a><a href="../#gone">bad</a>')
    problems = broken_links(tmp_path)
    assert len(problems) == 4, problems
    assert any("'nowhere'" in p for p in problems) and any("'gone'" in p for p in problems)
    assert any("missing/index.html" in p for p in problems) and any("fig.svg" in p for p in problems)
