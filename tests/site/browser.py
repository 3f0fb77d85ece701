"""Serve a built site from 127.0.0.1 and look at each page in headless Chromium.

A ``Reader`` loads the pages one after the other in one tab, records any
request to another host (Chromium cannot resolve other hosts), console errors
and failed requests, sums the files each page loads (its weight), measures
what the page shows (math typeset, images loaded, copy buttons, headings) and,
for the pages asked for, saves full-page screenshots in both palettes.
`read_site` shares the pages of a site out to two such readers, each in a
Chromium of its own.
"""

from __future__ import annotations

import base64
import functools
import gzip
import http.server
import io
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from tests.site.links import sitemap_pages
from tests.site.scan import inline_svg
from tests.svg_text import svg_texts

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request

    from tests.site.build import BuiltSite

HOST = "127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}
#: A phone's screen (an iPhone's CSS pixels): every page is measured at this width too.
PHONE = {"width": 390, "height": 844}
#: How long a page may take to typeset its math and mount its widgets.
READY_TIMEOUT_MS = 8000
CHROMIUM_PACKAGE = "chromium"  # the Debian package: apt-get install chromium
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-extensions",
    # Every host but this one fails to resolve: nothing leaves the machine.
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
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


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class SiteServer(http.server.ThreadingHTTPServer):
    """A static server for ``directory`` on a free port of 127.0.0.1, in a thread of its own.

    Use it as a context manager; ``url`` is its root.
    """

    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        super().__init__((HOST, 0), functools.partial(_Handler, directory=str(directory)))
        self.directory = directory
        self._thread = threading.Thread(target=self.serve_forever, name="site-server", daemon=True)
        self._sizes: dict[Path, tuple[int, int]] = {}

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

    def file_for(self, url: str) -> Path:
        """The file this server sends for ``url`` (a directory means its ``index.html``)."""
        target = self.directory / unquote(urlsplit(url).path).lstrip("/")
        return target / "index.html" if target.is_dir() else target

    def sizes(self, url: str) -> tuple[int, int]:
        """Bytes of the file sent for ``url``: as sent here, and gzip-compressed; (0, 0) if none."""
        file = self.file_for(url)
        if file not in self._sizes:
            data = file.read_bytes() if file.is_file() else b""
            self._sizes[file] = (len(data), len(gzip.compress(data, 6)) if data else 0)
        return self._sizes[file]


# --------------------------------------------------------------------------- one page

#: True once the page has typeset its math and Material has mounted its copy buttons.
READY_JS = """() => document.readyState === "complete"
  && [...document.querySelectorAll(".arithmatex")].every(e => e.querySelector(".katex, .katex-error"))
  && [...document.querySelectorAll("article pre > code")]
       .every(c => c.parentElement.querySelector("[data-md-type=copy], .md-clipboard") && c.dataset.labbook)"""

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

  // The first heading after the title repeating it word for word (e.g. an API page naming its module twice).
  const [first, second] = headings.map(h => h.textContent.replace(/\u00b6/g, "").trim());
  const repeatedTitle = headings.length > 1 && headings[0].tagName === "H1" && first === second ? first : "";

  return {
    title: document.title,
    repeatedTitle,
    math: math.length,
    katex: document.querySelectorAll(".katex").length,
    untypeset: math.filter(e => !e.querySelector(".katex")).map(e => e.textContent.trim().slice(0, 80)),
    katexErrors: [...document.querySelectorAll(".katex-error")].map(e => e.textContent.slice(0, 80)),
    rawDelimiters: raw,
    sphinxRoles: roles,
    diagrams: [...document.querySelectorAll(".mermaid, .diagram, [data-diagram]")]
      .map(e => ({what: e.className || e.tagName, svg: !!(e.tagName === "svg" || e.querySelector("svg"))})),
    images: imgs.map(img => ({src: img.getAttribute("src"), width: img.naturalWidth,
                              shownWidth: img.getBoundingClientRect().width,
                              alt: (img.getAttribute("alt") || "").trim()})),
    codeBlocks: document.querySelectorAll("article pre > code").length,
    withoutCopy: [...document.querySelectorAll("article pre > code")]
      .filter(c => !c.parentElement.querySelector("[data-md-type=copy], .md-clipboard"))
      .map(c => c.textContent.trim().slice(0, 60)),
    orphanPermalinks,
    // Shown code blocks that a reader must scroll sideways: their longest line, and by how much.
    wideCode: [...document.querySelectorAll("article pre > code")]
      .filter(c => c.scrollWidth > c.clientWidth + 1 && !c.closest("details:not([open])"))
      .map(c => ({line: c.textContent.split("\n").reduce((a, b) => b.length > a.length ? b : a, "").trim().slice(0, 70),
                  hidden: c.scrollWidth - c.clientWidth})),
    wideMath: wideMath(article),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""

#: Display equations (KaTeX's ``.katex-display``) wider than their box, or reaching
#: past the article's column: each with its start and how many pixels are hidden.
_WIDE_MATH_JS = r"""function wideMath(article) {
  const column = article.getBoundingClientRect();
  return [...article.querySelectorAll(".katex-display")].filter(e => !e.closest("details:not([open])")).map(e => {
    const box = e.closest("div.arithmatex") || e;
    const rect = box.getBoundingClientRect();
    const hidden = Math.max(e.scrollWidth - e.clientWidth, box.scrollWidth - box.clientWidth,
                            rect.right - column.right, column.left - rect.left);
    return {math: (e.querySelector("annotation") || e).textContent.trim().slice(0, 70), hidden: Math.round(hidden)};
  }).filter(m => m.hidden > 1);
}"""

FACTS_JS = FACTS_JS.replace("async () => {", "async () => {\n" + _WIDE_MATH_JS, 1)

#: What a reader sees on a phone (``PHONE``): how much wider than the screen the page
#: is, each display equation that does not fit or scroll inside its own box on it, and
#: each figure's shown width (in page order) and whether its paragraph scrolls.
PHONE_JS = r"""() => {
  const screen = document.documentElement.clientWidth;
  const unboxed = [...document.querySelectorAll("article .katex-display")].filter(e => !e.closest("details:not([open])"))
    .map(e => {
      const box = e.closest("div.arithmatex") || e;
      const rect = box.getBoundingClientRect();
      const excess = Math.max(e.scrollWidth - e.clientWidth, box.scrollWidth - box.clientWidth);
      const scrolls = [box, e].some(x => /auto|scroll/.test(getComputedStyle(x).overflowX) && x.scrollWidth > x.clientWidth);
      const outside = Math.max(rect.right - screen, -rect.left);
      const why = outside > 1 ? `reaches ${Math.round(outside)} px past the screen`
        : excess > 1 && !scrolls ? `is ${Math.round(excess)} px wider than its box and does not scroll` : "";
      return {math: (e.querySelector("annotation") || e).textContent.trim().slice(0, 70), why};
    }).filter(m => m.why);
  const figures = [...document.querySelectorAll('article img[src^="data:image/svg+xml"]')]
    .map(img => ({shown: img.getBoundingClientRect().width,
                  scrolls: /auto|scroll/.test(getComputedStyle(img.parentElement).overflowX)}));
  return {screen, overflow: document.documentElement.scrollWidth - screen, unboxed, figures};
}"""


#: Every figure of the page (an ``<img>`` whose source is a ``data:`` SVG, as
#: ``labcode.figures.embed`` makes them), with its width as shown and the CSS
#: filter the palette puts on it.
FIGURES_JS = """() => [...document.querySelectorAll('article img[src^="data:image/svg+xml"]')]
  .map((img, k) => { img.dataset.labbookFigure = k;
    return {src: img.getAttribute("src"), alt: (img.getAttribute("alt") || "").trim(),
            natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
            filter: getComputedStyle(img).filter}; })"""

#: Put one 20-pixel swatch per colour in the corner of the window, each an ``<img>``
#: with a ``data:`` SVG inside the article, so that the page's stylesheet treats
#: it exactly as it treats a figure; returns the filters they got.
SWATCHES_JS = """async colours => {
  const box = document.createElement("div");
  box.id = "labbook-swatches";
  box.style.cssText = "position:fixed;left:0;top:0;z-index:2147483647;display:flex;margin:0;padding:0";
  for (const colour of colours) {
    const img = document.createElement("img");
    img.style.cssText = "display:block;width:20px;height:20px;margin:0;padding:0;max-width:none";
    img.src = "data:image/svg+xml;base64," + btoa('<svg xmlns="http://www.w3.org/2000/svg" width="20" '
      + 'height="20"><rect width="20" height="20" fill="' + colour + '"/></svg>');
    box.append(img);
  }
  (document.querySelector("article") || document.body).append(box);
  await Promise.all([...box.children].map(img => img.decode().catch(() => null)));
  return [...box.children].map(img => getComputedStyle(img).filter);
}"""

def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour given as 0-255 channels."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _pixels(png: bytes) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def _css_rgb(value: str) -> tuple[float, float, float]:
    numbers = [float(v) for v in re.findall(r"[\d.]+", value)[:4]]
    if len(numbers) == 4 and numbers[3] == 0:  # transparent: the canvas shows through, white
        return (255.0, 255.0, 255.0)
    return (numbers[0], numbers[1], numbers[2])


def read_figures(page: Page) -> list[dict[str, Any]]:
    """What a reader sees of each figure of ``page`` in its current palette.

    For each figure: its alt text, its widths, the CSS filter it is shown
    through, how much of it is not the page's background (ink), and for every
    colour its text is written in, the colour the screen shows (a swatch of
    that colour put through the same stylesheet, read back from a screenshot)
    and its contrast with the page's background.
    """
    import numpy as np

    figures = page.evaluate(FIGURES_JS)
    if not figures:
        return []
    background = _css_rgb(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))
    texts = [svg_texts(inline_svg(f["src"]) or "") for f in figures]
    colours = sorted({t.colour for found in texts for t in found})
    filters = page.evaluate(SWATCHES_JS, colours) if colours else []
    shown: dict[str, tuple[float, float, float]] = {}
    if colours:
        strip = _pixels(page.screenshot(clip={"x": 0, "y": 0, "width": 20 * len(colours), "height": 20},
                                        type="png", animations="disabled"))
        scale = strip.shape[1] / (20 * len(colours))
        for k, colour in enumerate(colours):
            shown[colour] = tuple(float(c) for c in strip[int(10 * scale), int((20 * k + 10) * scale)])
        page.evaluate("() => document.getElementById('labbook-swatches').remove()")
    readings = []
    for k, (figure, found) in enumerate(zip(figures, texts)):
        pixels = _pixels(_capture(page, f'img[data-labbook-figure="{k}"]'))
        ink = float(np.mean(np.abs(pixels - np.array(background)).sum(axis=-1) > 60))
        used = sorted({t.colour for t in found})
        readings.append({
            "alt": figure["alt"], "natural": figure["natural"], "shown": figure["shown"],
            "filter": figure["filter"], "ink": ink,
            "text_colours": {c: {"shown": shown[c], "contrast": contrast_ratio(shown[c], background),
                                 "filter": filters[colours.index(c)]} for c in used},
            "background": background,
        })
    return readings


def _capture(page: Page, selector: str) -> bytes:
    """A PNG of the box of the element ``selector`` as the page shows it, wherever it is on the page.

    Captured by Chromium's DevTools protocol with the element scrolled into
    the window, without the waits of ``locator.screenshot``; an element taller
    than the window is captured beyond it (which lays the page out anew, about
    three times slower).
    """
    box = page.evaluate("""selector => { const e = document.querySelector(selector);
        e.scrollIntoView({block: "center"});
        const r = e.getBoundingClientRect();
        return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
                beyond: r.top < 0 || r.bottom > innerHeight}; }""", selector)
    beyond = box.pop("beyond")
    cdp = page.context.new_cdp_session(page)
    try:
        shot = cdp.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": beyond, "clip": {**box, "scale": 1}})
    finally:
        cdp.detach()
    return base64.b64decode(shot["data"])


#: Click the palette toggle shown (Material shows the one that switches to the other
#: scheme) if the page is not in the wanted scheme; false if the page has no toggle.
_PALETTE_JS = """dark => {
  if ((document.body.dataset.mdColorScheme === "slate") === dark) return true;
  const toggle = [...document.querySelectorAll("form[data-md-component=palette] label")]
    .find(label => !label.hidden && label.getClientRects().length);
  if (!toggle) return false;
  toggle.click();
  return true;
}"""


_OTHER = {"light": "dark", "dark": "light"}


def palette_is_dark(page: Page) -> bool:
    """Whether the page shows Material's dark (slate) scheme."""
    return page.evaluate("() => document.body.dataset.mdColorScheme === 'slate'")


def set_palette(page: Page, dark: bool) -> bool:
    """Switch Material's palette toggle to the dark (slate) or the light scheme; False if there is none.

    The toggle is clicked as a reader's click would (its label toggles the
    scheme's radio input), from the page's script rather than through
    Playwright's pointer, which waits for the label to be stable and visible first.
    """
    if not page.evaluate(_PALETTE_JS, dark):
        return False
    wait_for_palette(page, dark)
    return True


def wait_for_palette(page: Page, dark: bool) -> None:
    """Wait until the page shows the dark (slate) or the light scheme, as long as a page
    may take to get ready: on a slow, loaded machine the theme's script can answer a
    click on the toggle well after two seconds."""
    wanted = "===" if dark else "!=="
    page.wait_for_function(f"document.body.dataset.mdColorScheme {wanted} 'slate'", timeout=READY_TIMEOUT_MS)


@dataclass
class PageReport:
    """What one page did and showed in the browser."""

    path: str  #: relative to the site root, e.g. ``api/shapes/``
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0  #: every file the page loads, as a plain static server sends them
    gzip_bytes: int = 0  #: the same, gzip-compressed as most static hosts send them
    #: the files the page loaded from the site, by path below its root
    files: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    phone: dict[str, Any] = field(default_factory=dict)  #: what ``PHONE_JS`` measured at the width of ``PHONE``
    not_ready: str = ""
    screenshots: dict[str, Path] = field(default_factory=dict)
    #: ``read_figures`` in the light and, after the palette toggle, the dark palette.
    figures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seconds: float = 0.0


#: A text group of a matplotlib SVG, its attributes in either quotes (`labcode.figures.data_url` writes single ones).
_SVG_TEXT = re.compile(r"""<g id=["']text_\d+["']>(.*?)</g>\s*</g>""", re.DOTALL)
_GLYPH_SCALE = re.compile(r"scale\((?P<s>[\d.]+) -(?P=s)\)")


def svg_text_points(svg: str) -> list[float]:
    """The size, in points, of every text of a matplotlib SVG whose text is drawn as paths.

    matplotlib draws each text as a group ``<g id="text_N">`` whose glyphs are
    scaled by ``fontsize / 100`` (``scale(0.09 -0.09)`` for 9 pt).
    """
    sizes = []
    for match in _SVG_TEXT.finditer(svg):
        scales = [float(s.group("s")) for s in _GLYPH_SCALE.finditer(match.group(1))]
        if not scales:
            raise ValueError(f"no glyph scale in the text group {match.group(0)[:200]!r}")
        sizes.append(100 * min(scales))
    if not sizes:
        raise ValueError("no text drawn as paths in this SVG")
    return sizes


def svg_width_points(svg: str) -> float:
    """The width of a matplotlib SVG, in points (``width="453.6pt"``)."""
    return float(re.search(r"""<svg[^>]*\swidth=["']([\d.]+)pt["']""", svg).group(1))


def screenshot_name(path: str) -> str:
    return path.strip("/").replace("/", "--") or "index"


class Reader:
    """One browser tab that reads pages of ``server`` one after the other, recording what each does.

    The tab keeps its HTTP cache, as a reader's browser does, so a page loads
    quickly after the first; the weight of each page is still what a first
    visit downloads, since it is summed from the files the page asks for.
    Requests to another host never leave the machine: Chromium is launched
    with a host resolver that knows only 127.0.0.1 (``CHROMIUM_ARGS``), and
    each such request is recorded.
    """

    def __init__(self, browser: Browser, server: SiteServer) -> None:
        self.server = server
        self.context = browser.new_context(viewport=VIEWPORT, color_scheme="light", service_workers="block")
        self.page = self.context.new_page()
        self.report = PageReport("")
        self.open: set[Request] = set()
        self.files: dict[str, None] = {}
        self.last_event = time.monotonic()
        for event, handler in (("request", self._on_request), ("requestfinished", self._on_finished),
                               ("requestfailed", self._on_failed), ("response", self._on_response),
                               ("console", self._on_console), ("pageerror", self._on_page_error)):
            self.page.on(event, handler)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.context.close()

    def _on_request(self, request: Request) -> None:
        self.last_event = time.monotonic()
        if urlsplit(request.url).hostname != HOST:
            if not request.url.startswith(("data:", "blob:", "about:")):
                self.report.foreign_requests.append(request.url)
            return
        self.report.requests += 1
        self.open.add(request)

    def _on_finished(self, request: Request) -> None:
        self.last_event = time.monotonic()
        if request in self.open:
            self.open.discard(request)
            self.files[request.url] = None

    def _on_failed(self, request: Request) -> None:
        self.last_event = time.monotonic()
        if request in self.open:
            self.open.discard(request)
            self.report.failed_requests.append(f"{request.url}: {request.failure}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            self.report.console_errors.append(f"{message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})")

    def _on_page_error(self, error: Any) -> None:
        self.report.console_errors.append(f"uncaught: {error}")

    def _wait_quiet(self, quiet: float = 0.05, limit: float = 5.0) -> None:
        """Let events arrive until no request has been open for ``quiet`` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end and (self.open or time.monotonic() - self.last_event < quiet):
            self.page.wait_for_timeout(25)

    def read(self, path: str, shots: Path | None = None, dark: bool = False,
             ready_timeout_ms: int = READY_TIMEOUT_MS) -> PageReport:
        """Load ``path``, measure it, total its files and screenshot it into ``shots``."""
        start = time.monotonic()
        report = self.report = PageReport(path)
        self.files = {}
        self.page.goto(self.server.url + path, wait_until="load")
        try:
            self.page.wait_for_function(READY_JS, timeout=ready_timeout_ms)
        except Exception as error:  # noqa: BLE001 - the checks of the facts say what is missing
            report.not_ready = str(error).splitlines()[0]
        report.facts = self.page.evaluate(FACTS_JS)
        self._wait_quiet()
        report.files = [urlsplit(url).path.lstrip("/") for url in self.files]
        for url in self.files:
            plain, compressed = self.server.sizes(url)
            report.bytes += plain
            report.gzip_bytes += compressed
        # The page opens in the palette the previous one was left in (Material remembers
        # it): its figures are read in that one, then, after the toggle, in the other,
        # which the next page opens in. One toggle a page, not two.
        first = "dark" if palette_is_dark(self.page) else "light"
        report.figures[first] = read_figures(self.page)
        if report.figures[first] and set_palette(self.page, dark=first == "light"):
            report.figures[_OTHER[first]] = read_figures(self.page)
        if shots is not None:
            report.screenshots = _screenshots(self.page, shots / screenshot_name(path), dark)
        # The same page on a phone: resized, not reloaded (the layout follows the width).
        self.page.set_viewport_size(PHONE)
        report.phone = self.page.evaluate(PHONE_JS)
        if shots is not None and dark:
            phone = _screenshots(self.page, shots / (screenshot_name(path) + "-phone"), dark)
            report.screenshots.update({f"phone {palette}": shot for palette, shot in phone.items()})
        # What the resize asked for (fonts of math laid out anew) finishes here, so that
        # it is counted in this page's weight and not the next one's.
        self._wait_quiet(quiet=0.2)
        report.seconds = time.monotonic() - start
        self.report = PageReport("")  # what happens from here on belongs to no page
        # Back to the window's width on a blank tab: resized on the page, it would be laid out once more for nothing.
        self.page.goto("about:blank")
        self.page.set_viewport_size(VIEWPORT)
        return report


def visit(browser: Browser, server: SiteServer, path: str, shots: Path | None = None,
          ready_timeout_ms: int = READY_TIMEOUT_MS) -> PageReport:
    """Read one page in a tab of its own."""
    with Reader(browser, server) as reader:
        return reader.read(path, shots, ready_timeout_ms=ready_timeout_ms)


#: How many Chromiums read the pages at once, each its share of them in a tab of its own.
#: Much of a page's time is waiting (for the page to settle, for a capture), so two
#: read the site in about 70 % of the time one takes, even on two busy cores.
READERS = 2


def read_site(executable: str, site: BuiltSite, shots: Path, shoot: set[str] | None) -> dict[str, PageReport]:
    """Every page of ``site``'s sitemap, read by ``READERS`` Chromiums and one server of their own.

    The pages in ``shoot`` (every page if None) are screenshot into ``shots``
    in both palettes, at 1280 px and on the phone. The reports come in the
    sitemap's order.

    Safe to call from any thread: each Chromium is driven from a thread of
    its own, with its own Playwright (which wants one instance per thread).
    The root conftest runs it in the background while the other tests run.
    """
    from concurrent.futures import ThreadPoolExecutor

    if site.returncode != 0:
        raise RuntimeError(f"the site did not build:\n{site.log}")
    paths = [page.removesuffix("index.html") for page in sitemap_pages(site.path)]
    with SiteServer(site.path) as server, ThreadPoolExecutor(READERS, thread_name_prefix="reader") as pool:
        # Every READERS-th page to each, so that the long chapters are shared out.
        shares = [paths[k::READERS] for k in range(READERS)]
        read = list(pool.map(lambda share: _read_in_a_browser(executable, server, share, shots, shoot), shares))
    reports = {path: report for share in read for path, report in share.items()}
    return {path: reports[path] for path in paths}


def _read_in_a_browser(executable: str, server: SiteServer, paths: list[str], shots: Path,
                       shoot: set[str] | None) -> dict[str, PageReport]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            return visit_all(chromium, server, paths, shots, shoot=shoot)
        finally:
            chromium.close()


def visit_all(browser: Browser, server: SiteServer, paths: list[str], shots: Path | None = None,
              shoot: set[str] | None = None) -> dict[str, PageReport]:
    """Read every path in one tab; the pages in ``shoot`` (every page if None) are screenshot
    into ``shots`` in both palettes, at both widths."""
    with Reader(browser, server) as reader:
        return {path: reader.read(path, shots if shoot is None or path in shoot else None, dark=True)
                for path in paths}


def _full_page_jpeg(page: Page, path: Path) -> Path:
    """The whole page as a JPEG, captured by Chromium's DevTools protocol.

    Playwright's ``page.screenshot(full_page=True)`` resizes the viewport to the
    page's height and back, laying out a long page twice; capturing beyond the
    viewport with ``optimizeForSpeed`` does neither and took about 35 % less
    time here. JPEG, because a tall page encodes faster than as PNG.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        size = cdp.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = cdp.send("Page.captureScreenshot", {
            "format": "jpeg", "quality": 80, "captureBeyondViewport": True, "optimizeForSpeed": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        })
    finally:
        cdp.detach()
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _screenshots(page: Page, stem: Path, both: bool) -> dict[str, Path]:
    """A full-page screenshot in the palette the page shows and, if ``both``, after the palette
    toggle, in the other one (which the page is left in)."""
    first = "dark" if palette_is_dark(page) else "light"
    shots = {first: _full_page_jpeg(page, stem.with_name(f"{stem.name}-{first}.jpg"))}
    if both and set_palette(page, dark=first == "light"):
        shots[_OTHER[first]] = _full_page_jpeg(page, stem.with_name(f"{stem.name}-{_OTHER[first]}.jpg"))
    return shots


def write_index(folder: Path, reports: dict[str, PageReport]) -> Path:
    """``folder/index.md``: a table of page weights and screenshots, then the code to scroll sideways."""
    palettes = ("light", "dark", "phone light", "phone dark")
    lines = ["# The built site in Chromium", "",
             "| page | weight (kB) | gzip (kB) | requests | " + " | ".join(palettes) + " |", "|---|---|---|---|---|---|---|---|"]
    for path, report in reports.items():
        shots = [report.screenshots.get(palette) for palette in palettes]
        cells = [f"[{shot.name}]({shot.name})" if shot else "" for shot in shots]
        lines.append(f"| /{path} | {report.bytes / 1000:.1f} | {report.gzip_bytes / 1000:.1f} | {report.requests} "
                     f"| {' | '.join(cells)} |")
    wide = [f"- /{path}: `{code['line']}` ({code['hidden']} px hidden)"
            for path, report in reports.items() for code in report.facts.get("wideCode", [])]
    if wide:
        lines += ["", "Code blocks a reader must scroll sideways at 1280 px (their longest line):", "", *wide]
    index = folder / "index.md"
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index


def summary(index: Path, reports: dict[str, PageReport]) -> list[str]:
    """Lines for the end of the pytest run: weight and screenshots of each page."""
    lines = [f"screenshots and page weights: {index}"]
    for path, report in reports.items():
        shots = "  ".join(str(shot) for shot in report.screenshots.values())
        lines.append(f"{report.bytes / 1000:7.1f} kB ({report.gzip_bytes / 1000:5.1f} gzip) {report.requests:3d} requests"
                     f"  /{path:<24} {shots}")
    lines += [f"code to scroll sideways on /{path}: {code['line']}"
              for path, report in reports.items() for code in report.facts.get("wideCode", [])]
    return lines


#: The search box and its results, in Material for MkDocs and in Zensical (whose
#: search opens a dialog from a button, in a shadow root that Playwright's CSS locators enter).
SEARCH_UIS = {
    "material": {"open": None, "box": "input.md-search__input",
                 "results": ".md-search-result__item > a", "title": "h1, h2"},
    "zensical": {"open": ".md-search__button", "box": "dialog input[role=combobox]",
                 "results": "[role=listbox] a[role=option]", "title": "h2"},
}


def search(browser: Browser, server: SiteServer, term: str) -> tuple[list[dict[str, str]], list[str]]:
    """Type ``term`` into the search box of the home page: the results listed, as title and path,
    and the files (paths below the site's root) requested once the page had loaded."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="load")
        loaded: list[str] = []
        page.on("request", lambda request: loaded.append(urlsplit(request.url).path.lstrip("/")))
        ui = SEARCH_UIS["material" if page.locator(SEARCH_UIS["material"]["box"]).count() else "zensical"]
        if ui["open"]:
            page.locator(ui["open"]).first.click()
        box = page.locator(ui["box"])
        box.click()
        box.press_sequentially(term, delay=20)
        results = page.locator(ui["results"])
        results.first.wait_for(timeout=READY_TIMEOUT_MS)
        # Both list the first results and add more as their list scrolls: scroll it to its end
        # until no more come for a while.
        shown, quiet, end = 0, 0, time.monotonic() + 8
        while quiet < 4 and time.monotonic() < end:
            count = results.count()
            quiet, shown = (quiet + 1, shown) if count == shown else (0, count)
            results.nth(count - 1).evaluate("""last => {
                for (let e = last; e; e = e.parentElement || e.getRootNode().host)
                    if (/auto|scroll/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight) {
                        e.scrollTop = e.scrollHeight; break; } }""")
            page.wait_for_timeout(200)
        return results.evaluate_all("""(links, title) => links.map(a => ({
            title: a.querySelector(title)?.textContent.trim() || a.textContent.trim(),
            path: new URL(a.href).pathname}))""", ui["title"]), loaded
    finally:
        context.close()
