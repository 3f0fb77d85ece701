"""Serve a built site from 127.0.0.1 and look at each page in headless Chromium.

``visit`` loads one page in a fresh browser context (so nothing is cached and
the page weight is what a first-time reader downloads), blocks and records any
request to another host, collects console errors and failed requests, measures
what the page shows (math typeset, images loaded, copy buttons, headings) and
saves full-page screenshots in the light and the dark palette.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

HOST = "127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}
#: How long a page may take to typeset its math and mount its widgets.
READY_TIMEOUT_MS = 8000
CHROMIUM_PACKAGE = "chromium"  # the Debian package: apt-get install chromium
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-extensions",
]


def chromium_executable() -> tuple[str | None, str]:
    """The Chromium to drive, or None, and a sentence saying which one or why none.

    ``LABBOOK_CHROMIUM`` names another executable; otherwise Debian's
    ``/usr/bin/chromium`` or a ``chromium`` on the ``PATH``.
    """
    install = (f"install Debian's package `{CHROMIUM_PACKAGE}` (apt-get install {CHROMIUM_PACKAGE}) "
               "or point LABBOOK_CHROMIUM at a Chromium")
    override = os.environ.get("LABBOOK_CHROMIUM")
    if override:
        found = shutil.which(override)
        return (found, f"LABBOOK_CHROMIUM={found}") if found else (
            None, f"LABBOOK_CHROMIUM={override!r} is not an executable: {install}")
    for candidate in ("/usr/bin/chromium", "chromium"):
        found = shutil.which(candidate)
        if found:
            return found, found
    return None, f"Chromium not found: {install}"


# --------------------------------------------------------------------------- server


class _CountingWriter:
    """A response stream that adds every byte written to its server's tally."""

    def __init__(self, stream: Any, server: SiteServer) -> None:
        self._stream = stream
        self._server = server

    def write(self, data: bytes) -> int:
        self._server.add_bytes(len(data))
        return self._stream.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: SiteServer

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.server)

    def handle(self) -> None:
        self.server.started()
        try:
            super().handle()
        finally:
            self.server.finished()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class SiteServer(http.server.ThreadingHTTPServer):
    """A static server for ``directory`` on a free port of 127.0.0.1 that counts bytes sent.

    Use it as a context manager; ``url`` is its root.
    """

    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        super().__init__((HOST, 0), functools.partial(_Handler, directory=str(directory)))
        self._lock = threading.Lock()
        self._bytes = 0
        self._active = 0
        self._last = time.monotonic()
        self._thread = threading.Thread(target=self.serve_forever, name="site-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self._bytes += count

    def started(self) -> None:
        with self._lock:
            self._active += 1
            self._last = time.monotonic()

    def finished(self) -> None:
        with self._lock:
            self._active -= 1
            self._last = time.monotonic()

    def take_bytes(self) -> int:
        """Bytes sent since the last call."""
        with self._lock:
            sent, self._bytes = self._bytes, 0
            return sent

    def wait_quiet(self, quiet: float = 0.15, limit: float = 5.0) -> None:
        """Return once no request has been open for ``quiet`` seconds (or after ``limit``)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self._lock:
                if self._active == 0 and time.monotonic() - self._last >= quiet:
                    return
            time.sleep(0.03)


# --------------------------------------------------------------------------- one page

#: True once the page has typeset its math and Material has mounted its copy buttons.
READY_JS = """() => document.readyState === "complete"
  && [...document.querySelectorAll(".arithmatex")].every(e => e.querySelector(".katex, .katex-error"))
  && [...document.querySelectorAll("article pre > code")]
       .every(c => c.parentElement.querySelector("[data-md-type=copy], .md-clipboard"))"""

#: What the reader sees, measured in the page.
FACTS_JS = r"""async () => {
  const article = document.querySelector("article") || document.body;
  const imgs = [...document.querySelectorAll("img")];
  for (const img of imgs) if (img.loading === "lazy") img.loading = "eager";
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));

  const raw = [];
  const delimiters = /\\\(|\\\)|\\\[|\\\]|\$\$|\$(?=\S)[^$\n]*\S\$/;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.parentElement.closest("pre, code, kbd, script, style, textarea, .katex")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let n = walker.nextNode(); n; n = walker.nextNode())
    if (delimiters.test(n.data)) raw.push(n.data.trim().slice(0, 80));

  // Sphinx roles (:func:`x`) mean nothing to Markdown; the reader sees ":func:" before the code.
  const roles = [];
  const role = /(^|[\s(]):(func|class|meth|mod|attr|exc|obj|data|const|ref|doc|term|py:\w+):`?(\s|$)|:(func|class|meth|mod|attr|exc|obj|ref):`/;
  const textWalker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.parentElement.closest("pre, script, style, textarea") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let n = textWalker.nextNode(); n; n = textWalker.nextNode())
    if (role.test(n.data)) roles.push(n.data.trim().slice(0, 80));

  const math = [...document.querySelectorAll(".arithmatex")];
  const headings = [...article.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  const orphanPermalinks = headings.filter(h => {
    const link = h.querySelector(".headerlink");
    if (!link || !link.getClientRects().length || !h.firstChild || h.firstChild === link) return false;
    const range = document.createRange();
    range.setStartBefore(h.firstChild);
    range.setEndBefore(link);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    return rects.length > 0 && link.getBoundingClientRect().top >= rects[rects.length - 1].bottom - 1;
  }).map(h => h.id || h.textContent.trim());

  return {
    title: document.title,
    math: math.length,
    katex: document.querySelectorAll(".katex").length,
    untypeset: math.filter(e => !e.querySelector(".katex")).map(e => e.textContent.trim().slice(0, 80)),
    katexErrors: [...document.querySelectorAll(".katex-error")].map(e => e.textContent.slice(0, 80)),
    rawDelimiters: raw,
    sphinxRoles: roles,
    diagrams: [...document.querySelectorAll(".mermaid, .diagram, [data-diagram]")]
      .map(e => ({what: e.className || e.tagName, svg: !!(e.tagName === "svg" || e.querySelector("svg"))})),
    images: imgs.map(img => ({src: img.getAttribute("src"), width: img.naturalWidth,
                              alt: (img.getAttribute("alt") || "").trim()})),
    codeBlocks: document.querySelectorAll("article pre > code").length,
    withoutCopy: [...document.querySelectorAll("article pre > code")]
      .filter(c => !c.parentElement.querySelector("[data-md-type=copy], .md-clipboard"))
      .map(c => c.textContent.trim().slice(0, 60)),
    orphanPermalinks,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


@dataclass
class PageReport:
    """What one page did and showed in the browser."""

    path: str  #: relative to the site root, e.g. ``api/shapes/``
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    facts: dict[str, Any] = field(default_factory=dict)
    not_ready: str = ""
    screenshots: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0


def screenshot_name(path: str) -> str:
    return path.strip("/").replace("/", "--") or "index"


def visit(browser: Browser, server: SiteServer, path: str, shots: Path | None = None,
          ready_timeout_ms: int = READY_TIMEOUT_MS) -> PageReport:
    """Load ``server.url + path`` once, check it, and screenshot it light and dark into ``shots``."""
    start = time.monotonic()
    report = PageReport(path)
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", service_workers="block")
    recording = True

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            if recording:
                report.foreign_requests.append(route.request.url)
            route.abort("blockedbyclient")

    def on_request(request: Any) -> None:
        if recording:
            report.requests += 1

    def on_failed(request: Any) -> None:
        if recording and urlsplit(request.url).hostname == HOST:
            report.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if recording and response.status >= 400:
            report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def on_console(message: Any) -> None:
        if recording and message.type == "error":
            location = message.location or {}
            report.console_errors.append(f"{message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})")

    def on_page_error(error: Any) -> None:
        if recording:
            report.console_errors.append(f"uncaught: {error}")

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", on_request)
        page.on("requestfailed", on_failed)
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        server.take_bytes()
        page.goto(server.url + path, wait_until="load")
        try:
            page.wait_for_function(READY_JS, timeout=ready_timeout_ms)
        except Exception as error:  # noqa: BLE001 - the checks below say what is missing
            report.not_ready = str(error).splitlines()[0]
        report.facts = page.evaluate(FACTS_JS)
        server.wait_quiet()
        report.bytes = server.take_bytes()
        recording = False
        if shots is not None:
            report.screenshots = _screenshots(page, shots / screenshot_name(path))
    finally:
        recording = False
        context.close()
    report.seconds = time.monotonic() - start
    return report


def _screenshots(page: Page, stem: Path) -> dict[str, Path]:
    """Full-page screenshots in the light palette and, after the palette toggle, the dark one."""
    shots = {"light": stem.with_name(stem.name + "-light.png")}
    page.screenshot(path=shots["light"], full_page=True)
    toggle = page.locator("form[data-md-component=palette] label:not([hidden])")
    if toggle.count():
        toggle.first.click()
        page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'", timeout=2000)
        shots["dark"] = stem.with_name(stem.name + "-dark.png")
        page.screenshot(path=shots["dark"], full_page=True)
    return shots


def search(browser: Browser, server: SiteServer, term: str) -> list[dict[str, str]]:
    """Type ``term`` into the search box of the home page; the results listed, as title and path."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == HOST
                  else route.abort("blockedbyclient"))
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="load")
        box = page.locator("input.md-search__input")
        box.click()
        box.press_sequentially(term, delay=20)
        page.locator(".md-search-result__item").first.wait_for(timeout=READY_TIMEOUT_MS)
        return page.evaluate("""() => [...document.querySelectorAll(".md-search-result__item > a")]
          .map(a => ({title: a.querySelector("h1, h2")?.textContent.trim() || a.textContent.trim(),
                      path: new URL(a.href).pathname}))""")
    finally:
        context.close()
