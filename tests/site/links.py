"""Check every link inside a built site: the target file exists and so does the anchor.

Pure HTML parsing, no browser and no network. Links to other hosts (and
``mailto:`` and the like) are listed but never fetched.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from tests.site.scan import LOCAL_HOSTS

#: (tag, attribute) pairs whose value is a link into the site that must resolve.
LINK_ATTRIBUTES = {
    ("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
    ("source", "src"), ("iframe", "src"), ("embed", "src"), ("object", "data"),
}


@dataclass(frozen=True)
class Link:
    page: str  #: the page holding the link, relative to the site root (``api/shapes/index.html``)
    tag: str
    url: str

    def __str__(self) -> str:
        return f"{self.page}: <{self.tag}> {self.url}"


@dataclass
class Page:
    ids: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        for key in ("id", "name"):  # <a name="x"> is an anchor too
            if values.get(key) and (key == "id" or tag == "a"):
                self.page.ids.add(values[key])
        for attribute in ("href", "src", "data"):
            if (tag, attribute) in LINK_ATTRIBUTES and attribute in values:
                self.page.links.append(Link(self.name, tag, values[attribute].strip()))

    handle_startendtag = handle_starttag


def parse_site(site: Path) -> dict[str, Page]:
    """Every HTML file of ``site``, by path relative to the root, with its ids and links."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        parser = _PageParser(name)
        parser.feed(path.read_text(encoding="utf-8"))
        pages[name] = parser.page
    return pages


def is_external(url: str) -> bool:
    """True for a link that leaves the site: another host, or a scheme such as ``mailto:``."""
    parts = urlsplit(url)
    if parts.scheme in ("", "http", "https") and (parts.hostname or "") in LOCAL_HOSTS:
        return False
    return bool(parts.scheme or parts.netloc)


def resolve(site: Path, page: str, url: str) -> tuple[str, str]:
    """The file (relative to ``site``) and the fragment that ``url`` on ``page`` points at.

    Directory URLs (``../shapes/``) mean their ``index.html``; a path starting
    with ``/`` is taken from the site root (MkDocs writes those in ``404.html``).
    """
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return page, unquote(parts.fragment)
    base = PurePosixPath("/") if path.startswith("/") else PurePosixPath("/", page).parent
    parts_out: list[str] = []
    for part in (base / path.lstrip("/")).parts[1:]:
        if part == "..":
            if parts_out:
                parts_out.pop()
        elif part != ".":
            parts_out.append(part)
    target = "/".join(parts_out)
    if path.endswith("/") or path in (".", "..") or path.endswith("/.") or (site / target).is_dir():
        target = f"{target}/index.html" if target else "index.html"
    return target, unquote(parts.fragment)


def broken_links(site: Path) -> list[str]:
    """A line for each internal link whose file or ``#anchor`` is missing, empty if none."""
    pages = parse_site(site)
    problems = []
    for page in pages.values():
        for link in page.links:
            if not link.url or is_external(link.url) or link.url.startswith(("data:", "javascript:")):
                continue
            target, fragment = resolve(site, link.page, link.url)
            if not (site / target).is_file():
                problems.append(f"{link}: no file {target}")
            elif fragment and target in pages and fragment not in pages[target].ids:
                problems.append(f"{link}: {target} has no id {fragment!r}")
    return problems


def sitemap_pages(site: Path) -> list[str]:
    """The pages the sitemap lists, as paths relative to the site root (``api/shapes/index.html``)."""
    root = ET.parse(site / "sitemap.xml").getroot()
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text.strip() for loc in root.iterfind("s:url/s:loc", namespace) if loc.text]
    if not locations:
        return []
    # The home page has the shortest location; every other one lies below it.
    home = min((urlsplit(location).path for location in locations), key=len)
    pages = []
    for location in locations:
        path = unquote(urlsplit(location).path)
        relative = path[len(home):] if path.startswith(home) else path.lstrip("/")
        pages.append(relative + "index.html" if relative.endswith("/") or not relative else relative)
    return pages
