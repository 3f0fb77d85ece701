"""Find every request a built page would make to a host other than this one."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

LOCAL_HOSTS = {"", "127.0.0.1", "localhost"}

#: ``<link rel=...>`` values that make the browser fetch the target.
FETCHING_RELS = {
    "stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch",
    "icon", "shortcut", "apple-touch-icon", "manifest", "mask-icon",
}
#: (tag, attribute) pairs whose URL the browser fetches on load.
FETCHING_ATTRIBUTES = {
    ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"),
    ("source", "srcset"), ("iframe", "src"), ("embed", "src"), ("object", "data"),
    ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"),
    ("image", "href"), ("use", "href"), ("input", "src"),
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)|@import\s+(['"])(?P<imp>[^'"]+)\3""")


@dataclass(frozen=True)
class Request:
    file: str
    what: str
    url: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what} -> {self.url}"


def is_remote(url: str) -> bool:
    url = url.strip()
    if url.startswith("data:") or url.startswith("#"):
        return False
    parts = urlsplit(url if not url.startswith("//") else "http:" + url)
    return parts.scheme in ("http", "https", "ftp", "ws", "wss") and parts.hostname not in LOCAL_HOSTS


def _urls_in_srcset(value: str) -> list[str]:
    return [candidate.strip().split(" ")[0] for candidate in value.split(",") if candidate.strip()]


def css_requests(css: str, file: str) -> list[Request]:
    found = []
    for match in _CSS_URL.finditer(css):
        url = match.group("url") or match.group("imp")
        if is_remote(url):
            found.append(Request(file, "CSS url()/@import", url))
    return found


class _PageScanner(HTMLParser):
    def __init__(self, file: str) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.found: list[Request] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            if rels & FETCHING_RELS and is_remote(values.get("href", "")):
                self.found.append(Request(self.file, f"<link rel={values['rel']}>", values["href"]))
        for attribute in ("src", "srcset", "data", "poster", "href", "xlink:href"):
            if (tag, attribute.split(":")[-1]) in FETCHING_ATTRIBUTES and attribute in values:
                urls = _urls_in_srcset(values[attribute]) if attribute == "srcset" else [values[attribute]]
                self.found += [Request(self.file, f"<{tag} {attribute}>", u) for u in urls if is_remote(u)]
                for url in urls:
                    svg = inline_svg(url)
                    if svg is not None:  # an image carried in the page fetches what its SVG asks for
                        inner = _PageScanner(f"{self.file} (SVG in <{tag} {attribute}>)")
                        inner.feed(svg)
                        self.found += inner.found
        if "style" in values:
            self.found += css_requests(values["style"], self.file)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += css_requests(data, self.file)


def inline_svg(url: str) -> str | None:
    """The SVG document inside a ``data:image/svg+xml`` URL (base64 or not), or None for any other URL."""
    head, comma, data = url.strip().partition(",")
    if not comma or not head.lower().startswith("data:image/svg+xml"):
        return None
    if head.lower().endswith(";base64"):
        try:
            return base64.b64decode(data, validate=True).decode("utf-8", errors="replace")
        except binascii.Error:
            return ""
    from urllib.parse import unquote

    return unquote(data)


def remote_requests(site: Path) -> list[Request]:
    """Every fetch of another host found in the HTML, CSS and SVG of ``site``."""
    found: list[Request] = []
    for path in sorted(site.rglob("*")):
        name = str(path.relative_to(site))
        if path.suffix in (".html", ".svg"):
            scanner = _PageScanner(name)
            scanner.feed(path.read_text(encoding="utf-8", errors="replace"))
            found += scanner.found
        elif path.suffix == ".css":
            found += css_requests(path.read_text(encoding="utf-8", errors="replace"), name)
    return found


# --------------------------------------------------------------------------- build log and search index

#: Lines of a build log that mean something went wrong. MkDocs logs ``WARNING`` or
#: ``ERROR`` (and a strict build stops); Zensical 0.0.73 prints ``Warning:`` (in
#: colour) and ``N issues found``, and for a block that raised only markdown-exec's
#: message, after which even a strict build exits 0.
_PROBLEM = re.compile(r"\b(WARNING|ERROR)\b|Warning:|\b[1-9]\d* issues? found|markdown_exec: Execution of .* exited with")


def build_problems(log: str) -> list[str]:
    """The lines of a build ``log`` (MkDocs or Zensical) that report a warning, an error or a failed block."""
    return [line for line in log.splitlines() if _PROBLEM.search(line)]


def search_entries(site: Path) -> list[dict[str, str]]:
    """The search index of a built site as ``{"location", "title", "text"}`` entries.

    Material for MkDocs writes ``search/search_index.json`` (its ``docs``);
    Zensical writes ``search.json`` (its ``items``). Whichever is there is read.
    """
    for name, key in (("search/search_index.json", "docs"), ("search.json", "items")):
        path = site / name
        if path.is_file():
            entries = json.loads(path.read_text(encoding="utf-8"))[key]
            return [{field: str(entry.get(field, "")) for field in ("location", "title", "text")} for entry in entries]
    raise FileNotFoundError(f"{site} has no search index (search/search_index.json or search.json)")
