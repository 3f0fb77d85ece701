"""The built site as a reader sees it: every page loaded in headless Chromium from 127.0.0.1.

One visit per page for the whole session (``page_reports``), made in the
background while the rest of the suite runs (``tests/site/plugin.py``), by two
Chromiums at once (``tests/site/browser.py: read_site``); each test
below then checks one thing over every page and names the pages that fail. The pages come from the built site's ``sitemap.xml``, so a page
added to the nav is covered without touching this file.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright's
Python package; no browser is ever downloaded. Without Chromium these tests
skip, saying what to install, except under ``CI=true`` where they fail.
Screenshots of the home page (both palettes, at 1280 px and on a phone) go to
a temporary folder, listed with the page weights in ``index.md`` there and at
the end of the pytest run. ``LABBOOK_SCREENSHOTS=dir`` puts them in ``dir``
instead, for every page (for review: it costs about a second a page).
"""

from __future__ import annotations

import base64
import doctest
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.site.build import BROWSER_SUMMARY, PAGE_READING, BuiltSite, start_page_reading
from tests.docs_harness import DOCS
from tests.site.browser import (
    CHROMIUM_ARGS, PHONE, READY_JS, READY_TIMEOUT_MS, VIEWPORT, PageReport, Reader, SiteServer, chromium_executable,
    palette_is_dark, read_figures, search, summary, svg_text_points, svg_width_points, visit, wait_for_palette,
    write_index,
)
from tests.site.scan import inline_svg

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

#: The heaviest page, everything it loads included, in bytes (uncompressed: as a
#: plain static server such as ``mkdocs serve`` sends them).
MAX_PAGE_BYTES = 1_000_000
#: A term of the home page (docs/index.md), and the page (path below the site root,
#: ``""`` for the home page) that the search box must list for it.
SEARCH_TERM = "Hadamard"
SEARCH_EXPECTS = ""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}. CI=true, so the browser tests must run, not skip.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the session."""
    executable, why = chromium_executable()
    if executable is None:
        _unavailable(why)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is missing: python -m pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def server(built_site: BuiltSite) -> Iterator[SiteServer]:
    assert built_site.returncode == 0, built_site.log
    with SiteServer(built_site.path) as running:
        yield running


@pytest.fixture(scope="session")
def page_reports(browser: Browser, built_site: BuiltSite, request: pytest.FixtureRequest) -> dict[str, PageReport]:
    """Every page of the sitemap, visited once, by its path (``""`` is the home page).

    The visits start in the background as soon as the tests are collected
    (``tests/site/plugin.py``); ``browser`` is asked for only so that a missing
    Chromium skips here (or, under CI, fails).
    """
    reading = request.config.stash.get(PAGE_READING, None)
    if reading is None:  # not started after collection: read the pages now
        reading = start_page_reading(request.config, built_site)
    reports = reading.reports.result()
    index = write_index(reading.folder, reports)
    print(f"\nscreenshots and page weights: {index}")
    request.config.stash[BROWSER_SUMMARY] = summary(index, reports)
    return reports


def _failures(reports: dict[str, PageReport], problems_of) -> str:
    lines = [f"/{path}: {problem}" for path, report in reports.items() for problem in problems_of(report)]
    return "\n".join(lines)


def test_every_page_is_visited(page_reports: dict[str, PageReport]) -> None:
    assert "" in page_reports, "the home page is not in the sitemap"
    assert all(report.requests > 0 for report in page_reports.values())
    not_ready = _failures(page_reports, lambda r: [r.not_ready] if r.not_ready else [])
    assert not not_ready, "math, copy buttons or the marks of code-blocks.js never appeared:\n" + not_ready


def test_no_console_error(page_reports: dict[str, PageReport]) -> None:
    failures = _failures(page_reports, lambda r: r.console_errors)
    assert not failures, failures


def test_no_failed_request(page_reports: dict[str, PageReport]) -> None:
    failures = _failures(page_reports, lambda r: r.failed_requests)
    assert not failures, failures


def test_no_request_to_another_host(page_reports: dict[str, PageReport]) -> None:
    failures = _failures(page_reports, lambda r: r.foreign_requests)
    assert not failures, "requests blocked:\n" + failures


def test_math_is_typeset(page_reports: dict[str, PageReport]) -> None:
    def problems(report: PageReport) -> list[str]:
        facts = report.facts
        found = [f"raw delimiters in the text: {text!r}" for text in facts["rawDelimiters"]]
        found += [f"not typeset: {text!r}" for text in facts["untypeset"]]
        found += [f"KaTeX error: {text!r}" for text in facts["katexErrors"]]
        if facts["math"] and facts["katex"] < facts["math"]:
            found.append(f"{facts['math']} math elements but {facts['katex']} rendered by KaTeX")
        return found

    failures = _failures(page_reports, problems)
    assert not failures, failures
    assert page_reports[""].facts["katex"] > 0, "the home page's math is not rendered"


def test_no_raw_markup_is_shown(page_reports: dict[str, PageReport]) -> None:
    """Sphinx roles in a docstring (:func:`x`) are printed as they are by mkdocstrings:
    docstrings are Markdown here, so write `x`."""
    failures = _failures(page_reports, lambda r: [f"Sphinx role shown: {t!r}" for t in r.facts["sphinxRoles"]])
    assert not failures, failures


def test_diagrams_and_images_render(page_reports: dict[str, PageReport]) -> None:
    def problems(report: PageReport) -> list[str]:
        found = [f"diagram {d['what']!r} has no SVG" for d in report.facts["diagrams"] if not d["svg"]]
        found += [f"image {i['src']} did not load" for i in report.facts["images"] if i["width"] == 0]
        found += [f"image {i['src']} has no alt text" for i in report.facts["images"] if not i["alt"]]
        return found

    failures = _failures(page_reports, problems)
    assert not failures, failures


def test_code_blocks_have_a_copy_button(page_reports: dict[str, PageReport]) -> None:
    failures = _failures(page_reports, lambda r: [f"no copy button on {t!r}" for t in r.facts["withoutCopy"]])
    assert not failures, failures
    assert page_reports[""].facts["codeBlocks"] > 0


def test_headings_and_width(page_reports: dict[str, PageReport]) -> None:
    """No heading's permalink sign wraps onto a line of its own (an empty-looking gap
    under the title), no title is repeated by the heading under it, and no page
    scrolls sideways at 1280 pixels."""

    def problems(report: PageReport) -> list[str]:
        found = [f"permalink of heading {h!r} alone on a line" for h in report.facts["orphanPermalinks"]]
        if report.facts["repeatedTitle"]:
            found.append(f"the title {report.facts['repeatedTitle']!r} is repeated by the next heading")
        if report.facts["overflow"] > 0:
            found.append(f"the page is {report.facts['overflow']} px wider than the window")
        return found

    failures = _failures(page_reports, problems)
    assert not failures, failures


def test_no_code_line_is_wider_than_the_column(page_reports: dict[str, PageReport]) -> None:
    """At 1280 pixels no code block scrolls sideways: every line fits the content column."""
    failures = _failures(page_reports, lambda r: [f"{c['hidden']} px hidden: {c['line']!r}" for c in r.facts["wideCode"]])
    assert not failures, "code lines wider than the column at 1280 px (rewrap them):\n" + failures


def test_no_display_equation_is_cut_off(page_reports: dict[str, PageReport]) -> None:
    """At 1280 pixels every display equation fits its column: none scrolls or is clipped."""
    failures = _failures(page_reports, lambda r: [f"{m['hidden']} px hidden: {m['math']!r}" for m in r.facts["wideMath"]])
    assert not failures, "display equations wider than the column at 1280 px (split them into rows):\n" + failures


def test_pages_fit_a_phone(page_reports: dict[str, PageReport]) -> None:
    """At 390 pixels no page is wider than the screen, and every display equation fits
    or scrolls inside its own box (code and tables may scroll inside theirs)."""

    def problems(report: PageReport) -> list[str]:
        phone = report.phone
        found = [f"the page is {phone['overflow']} px wider than a {phone['screen']} px screen"] if phone["overflow"] > 0 else []
        return found + [f"the equation {m['math']!r} {m['why']}" for m in phone["unboxed"]]

    assert all(report.phone.get("screen") == PHONE["width"] for report in page_reports.values())
    failures = _failures(page_reports, problems)
    assert not failures, failures


#: The smallest text a figure may show at 1280 pixels, in CSS pixels.
MIN_FIGURE_TEXT_PX = 11.0


def _smallest_text_px(svg: str, shown_width: float) -> float:
    """The smallest text of a figure, in CSS pixels, when the page shows it ``shown_width`` pixels wide."""
    return min(svg_text_points(svg)) * shown_width / svg_width_points(svg)


def _too_small(sizes: dict) -> dict:
    """The figures of ``sizes`` whose smallest text is under ``MIN_FIGURE_TEXT_PX``, rounded for the message."""
    assert sizes, "no figure found"
    return {where: round(px, 1) for where, px in sizes.items() if px < MIN_FIGURE_TEXT_PX}


def test_figure_text_is_large_enough(page_reports: dict[str, PageReport]) -> None:
    """Every figure's smallest text, at the size the page shows the figure at 1280 pixels."""
    sizes = {}
    for path, report in page_reports.items():
        for image in report.facts["images"]:
            svg = inline_svg(image["src"] or "")
            if svg is not None:
                sizes[(path, image["alt"][:50])] = _smallest_text_px(svg, image["shownWidth"])
    small = _too_small(sizes)
    assert not small, f"figure text smaller than {MIN_FIGURE_TEXT_PX} px at 1280 px: {small}"


def test_figure_text_is_legible_on_a_phone(page_reports: dict[str, PageReport]) -> None:
    """On a 390-pixel screen every figure's smallest text is as large as at 1280 pixels
    (at least ``MIN_FIGURE_TEXT_PX``), and a figure wider than the column scrolls inside
    its own box (``test_pages_fit_a_phone`` checks that the page does not)."""
    sizes, unboxed = {}, []
    for path, report in page_reports.items():
        svgs = [(image["alt"][:50], inline_svg(image["src"] or "")) for image in report.facts["images"]]
        svgs = [(alt, svg) for alt, svg in svgs if svg is not None]
        assert len(svgs) == len(report.phone["figures"]), path
        for (alt, svg), shown in zip(svgs, report.phone["figures"], strict=True):
            sizes[(path, alt)] = _smallest_text_px(svg, shown["shown"])
            if shown["shown"] > report.phone["screen"] and not shown["scrolls"]:
                unboxed.append((path, alt))
    small = _too_small(sizes)
    assert not small, f"figure text smaller than {MIN_FIGURE_TEXT_PX} px on a {PHONE['width']} px screen: {small}"
    assert not unboxed, f"figures wider than the phone's screen that do not scroll in their own box: {unboxed}"


#: WCAG 2's contrast for normal text (AA): the least a figure's text may have against the page.
MIN_TEXT_CONTRAST = 4.5


def figure_problems(readings: list[dict], palette: str) -> list[str]:
    """What is wrong with the figures of one page in one palette (read by ``read_figures``)."""
    found = []
    for k, f in enumerate(readings):
        name = f"figure {k + 1} ({f['alt'][:40]!r}...)"
        if f["natural"] == 0 or f["ink"] < 0.005:
            found.append(f"{palette}: {name} shows nothing (natural width {f['natural']}, ink {f['ink']:.3f})")
        for colour, seen in f["text_colours"].items():
            if seen["filter"] != f["filter"]:
                found.append(f"{palette}: {name} has the filter {f['filter']!r}, the swatches {seen['filter']!r}")
            if seen["contrast"] < MIN_TEXT_CONTRAST:
                found.append(f"{palette}: {name}: text in {colour} shows as {tuple(round(c) for c in seen['shown'])} "
                             f"on {tuple(round(c) for c in f['background'])}, contrast {seen['contrast']:.2f} "
                             f"< {MIN_TEXT_CONTRAST}")
        if not f["text_colours"]:
            found.append(f"{palette}: {name} has no text that could be read back from its SVG")
    return found


def test_figures_are_readable_in_both_palettes(page_reports: dict[str, PageReport]) -> None:
    """Every figure loads and shows ink in the light and the dark palette, and every colour its
    text is written in, as the screen shows it (stylesheet filters included), has a contrast of
    4.5 or more with the page's background. (The size of the text: test_figure_text_is_large_enough.)"""

    def problems(report: PageReport) -> list[str]:
        light = report.figures.get("light", [])
        if not light:
            return []
        if "dark" not in report.figures:
            return ["the palette toggle was not found: the figures were not seen in the dark palette"]
        return figure_problems(light, "light") + figure_problems(report.figures["dark"], "dark")

    failures = _failures(page_reports, problems)
    assert not failures, failures
    with_figures = [path for path, report in page_reports.items() if report.figures.get("light")]
    assert {"chain-rule/", "sigmoid/", "forward-pass/", "hadamard-gradient/"} <= set(with_figures), with_figures


def test_figure_checks_catch_an_unreadable_figure(browser: Browser, tmp_path: Path) -> None:
    """Dark ink on a dark page fails the figure check; the same figure under the site's
    dark-palette filter passes it, and so does light ink without the filter."""
    import matplotlib.pyplot as plt

    from labcode.figures import render_svg

    def figure_of(colour: str) -> str:
        fig = plt.figure(figsize=(4, 1))
        fig.text(0.1, 0.4, "some text", fontsize=14, color=colour)
        return "data:image/svg+xml;base64," + base64.b64encode(render_svg(fig)).decode()

    stylesheet = (DOCS / "assets/stylesheets/extra.css").read_text(encoding="utf-8")
    pages = {"plain": ("", "#000000"), "styled": (f"<style>{stylesheet}</style>", "#000000"),
             "light ink": ("", "#eeeeee")}
    readings = {}
    for name, (style, colour) in pages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(
            f'<html><head>{style}</head><body data-md-color-scheme="slate" style="background:#1e2129">'
            f'<article class="md-typeset"><p><img alt="text" src="{figure_of(colour)}"></p></article>'
            "</body></html>")
    with SiteServer(tmp_path) as running, Reader(browser, running) as reader:
        for name in pages:
            reader.page.goto(running.url + name + "/", wait_until="load")
            readings[name] = read_figures(reader.page)
    plain = figure_problems(readings["plain"], "dark")
    assert len(plain) == 1 and "#000000" in plain[0] and "contrast 1.30" in plain[0], plain
    assert figure_problems(readings["styled"], "dark") == []
    assert readings["styled"][0]["filter"].startswith("invert(0.88)")
    assert readings["styled"][0]["text_colours"]["#000000"]["contrast"] > 10
    assert figure_problems(readings["light ink"], "dark") == []


def test_heaviest_page_is_within_budget(page_reports: dict[str, PageReport]) -> None:
    weights = {path: report.bytes for path, report in page_reports.items()}
    heaviest = max(weights, key=weights.get)
    assert weights[heaviest] <= MAX_PAGE_BYTES, f"/{heaviest} weighs {weights[heaviest]} bytes"
    assert all(weight > 10_000 for weight in weights.values()), weights


def test_screenshots_are_saved(page_reports: dict[str, PageReport]) -> None:
    """The home page, or with ``LABBOOK_SCREENSHOTS`` every page, in both palettes at both widths."""
    asked = set(page_reports) if os.environ.get("LABBOOK_SCREENSHOTS") else {""}
    assert {path for path, report in page_reports.items() if report.screenshots} == asked
    for path in asked:
        shots = page_reports[path].screenshots
        assert set(shots) == {"light", "dark", "phone light", "phone dark"}, (path, shots)
        for shot in shots.values():
            assert shot.read_bytes().startswith(b"\xff\xd8\xff"), shot  # a JPEG


def test_dark_palette_is_screenshot(page_reports: dict[str, PageReport]) -> None:
    assert "dark" in page_reports[""].screenshots, "the palette toggle was not found on the home page"


def test_math_assets_load_only_where_there_is_math(page_reports: dict[str, PageReport]) -> None:
    """A page with math loads the vendored KaTeX (script, stylesheet, fonts); a page without loads none of it."""
    katex = "assets/vendor/katex/"
    with_math = {path for path, report in page_reports.items() if report.facts["math"]}
    loading = {path for path, report in page_reports.items() if any(f.startswith(katex) for f in report.files)}
    assert loading == with_math, f"KaTeX loaded without math: {loading - with_math}; math without it: {with_math - loading}"
    assert "api/shapes/" in page_reports and "api/shapes/" not in with_math, "the check needs a page without math"
    for path in with_math:
        files = page_reports[path].files
        assert {katex + "katex.min.js", katex + "katex.min.css"} <= set(files), (path, files)


#: The files of the search: the worker and the index (Material for MkDocs, Zensical).
_SEARCH_FILES = re.compile(r"(^|/)(search/search_index\.json|search\.json|workers/search\.[0-9a-f]+\.min\.js)$")


def test_search_waits_for_the_reader(page_reports: dict[str, PageReport]) -> None:
    """No page downloads the search (its worker and the site's index) before the reader uses it
    (test_search_works_offline checks that using it does)."""
    failures = _failures(page_reports, lambda r: [f"loaded {f} at load" for f in r.files if _SEARCH_FILES.search(f)])
    assert not failures, failures


def test_search_works_offline(browser: Browser, server: SiteServer, page_reports: dict[str, PageReport]) -> None:
    results, loaded = search(browser, server, SEARCH_TERM)
    assert [f for f in loaded if _SEARCH_FILES.search(f)], f"the search loaded no index or worker: {loaded}"
    listed = {result["path"] for result in results}
    assert "/" + SEARCH_EXPECTS in listed, f"searching {SEARCH_TERM!r} does not list /{SEARCH_EXPECTS}: {results}"
    # A page named after the term (say, a chapter on the Hadamard form) must be listed too.
    named = {"/" + path for path, report in page_reports.items()
             if SEARCH_TERM.lower() in report.facts["title"].split(" - ")[0].lower()}
    assert named <= listed, f"searching {SEARCH_TERM!r} misses {named - listed}: {results}"


#: Pages whose code blocks are copied through the clipboard: doctest blocks, and plain
#: blocks followed by ```output fences.
COPY_PAGES = ("matrix-primer.md", "linear-regression.md")
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_COPY_BUTTON = "button.md-clipboard, [data-md-type=copy]"


#: Clicks every code block's copy button in turn and reads what each put on the clipboard.
_COPY_EVERY_BLOCK_JS = """async (button) => {
  const copied = [];
  const blocks = [...document.querySelectorAll("article .highlight:not(.labbook-output)")]
    .filter(b => b.querySelector(button));
  for (const block of blocks) {
    await navigator.clipboard.writeText("nothing copied");
    block.querySelector(button).click();
    let text = "nothing copied";
    for (let tries = 0; tries < 200 && text === "nothing copied"; tries++) {
      await new Promise(resolve => setTimeout(resolve, 10));
      text = await navigator.clipboard.readText();
    }
    copied.push(text);
  }
  return copied;
}"""


def _blocks(page: str) -> list[tuple[str, str]]:
    """The ``python`` and ``output`` fences of a page in order: (info, body)."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return [(m.group("info").strip(), m.group("body")) for m in _FENCE.finditer(text)
            if m.group("info").strip() in ("python", "output")]


def _code_to_copy(body: str) -> str:
    """What copying a block should give: a doctest's sources without prompts or outputs
    (as the doctest module reads them), any other block as it is."""
    if body.lstrip().startswith(">>>"):
        return "".join(example.source for example in doctest.DocTestParser().get_examples(body)).rstrip()
    return body.rstrip()


@pytest.fixture(scope="module", params=COPY_PAGES, ids=COPY_PAGES)
def copy_page(browser: Browser, server: SiteServer, request: pytest.FixtureRequest) -> Iterator[tuple[str, Page]]:
    """One of ``COPY_PAGES``, by name, open in a tab that may read and write the clipboard
    (Chromium's permissions, granted for this site): loaded once for the copy test and the
    outputs test, neither of which changes what the other reads."""
    name = request.param
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    try:
        page = context.new_page()
        _open(page, server, name)
        yield name, page
    finally:
        context.close()


def _open(page: Page, server: SiteServer, name: str) -> None:
    page.goto(server.url + ("" if name == "index.md" else name.removesuffix(".md") + "/"), wait_until="load")
    page.wait_for_function(READY_JS, timeout=READY_TIMEOUT_MS)


def test_copy_button_copies_code_without_prompts(copy_page: tuple[str, Page]) -> None:
    """Each code block's copy button puts on the clipboard the code alone: no ``>>>``, no outputs."""
    name, clipboard_page = copy_page
    expected = [_code_to_copy(body) for info, body in _blocks(name) if info == "python"]
    blocks = clipboard_page.locator("article .highlight:not(.labbook-output)").filter(
        has=clipboard_page.locator(_COPY_BUTTON))
    assert blocks.count() == len(expected), f"{name}: {blocks.count()} code blocks shown, {len(expected)} on the page"
    # The first button is clicked as a reader clicks it (hovered, visible, enabled); the others, which are
    # the same button, are clicked in the page itself: one round trip for the page, not five per block.
    blocks.first.hover()
    blocks.first.locator(_COPY_BUTTON).first.click()
    clipboard_page.wait_for_function("async () => (await navigator.clipboard.readText()).length > 0", timeout=2000)
    copied = [clipboard_page.evaluate("navigator.clipboard.readText()")]
    copied += clipboard_page.evaluate(_COPY_EVERY_BLOCK_JS, _COPY_BUTTON)[1:]
    assert copied == expected
    for code in copied:
        assert not re.search(r"^(>>>|\.\.\.)( |$)", code, re.MULTILINE), code
        compile(code, name, "exec")


#: The colours that tell an output from code, read in the page.
_OUTPUT_STYLE_JS = """() => {
  const style = (e, pseudo) => getComputedStyle(e, pseudo);
  const outputs = [...document.querySelectorAll("article .labbook-output")];
  const code = document.querySelector("article .highlight:not(.labbook-output) pre > code");
  const name = code.querySelector(".n, .nn, .nb");
  return {
    outputs: outputs.length,
    codeBackground: style(code).backgroundColor,
    codeText: style(name).color,
    pageBackground: style(document.body).backgroundColor,
    shown: outputs.map(o => ({
      background: style(o.querySelector("pre > code")).backgroundColor,
      text: style(o.querySelector(".go")).color,
      label: style(o.querySelector("pre"), "::before").content,
      copyButtons: [...o.querySelectorAll("button, nav, .md-clipboard")].filter(b => b.getClientRects().length).length,
    })),
    doctestOutputs: [...document.querySelectorAll("article .labbook-doctest")].map(b =>
      [...b.querySelectorAll(".go")].map(e => e.textContent).join("\\n")),
  };
}"""


def test_outputs_look_like_outputs(copy_page: tuple[str, Page]) -> None:
    """An ```output fence is shown as an output in both palettes: no code background, text
    in another colour than code, an "Output" label, no copy button; a doctest's output
    lines are marked as outputs (class ``go``), its prompts as prompts. The palette the
    page shows is read first, then the reader's toggle switches it to the other one."""
    name, clipboard_page = copy_page
    blocks = _blocks(name)
    wants = ["\n".join(line for example in doctest.DocTestParser().get_examples(body)
                       for line in example.want.splitlines() if line.strip())
             for info, body in blocks if info == "python" and body.lstrip().startswith(">>>")]
    palettes = ("dark", "light") if palette_is_dark(clipboard_page) else ("light", "dark")
    for palette in palettes:
        if palette != palettes[0]:
            clipboard_page.locator("form[data-md-component=palette] label:not([hidden])").first.click()
            wait_for_palette(clipboard_page, dark=palette == "dark")
        facts = clipboard_page.evaluate(_OUTPUT_STYLE_JS)
        assert facts["outputs"] == sum(info == "output" for info, _ in blocks), facts
        for shown in facts["shown"]:
            assert shown["background"] in ("rgba(0, 0, 0, 0)", facts["pageBackground"]), (palette, shown)
            assert facts["codeBackground"] != shown["background"], (palette, facts["codeBackground"])
            assert shown["text"] != facts["codeText"], (palette, shown)
            assert shown["label"] == '"Output"' and shown["copyButtons"] == 0, (palette, shown)
        assert [w.split() for w in facts["doctestOutputs"]] == [w.split() for w in wants], palette


def test_checks_catch_a_broken_page(browser: Browser, tmp_path: Path) -> None:
    """The visit reports what it should on a page that breaks every rule."""
    (tmp_path / "index.html").write_text(
        "<html><body><article><p>raw \\(x^2\\) and $$y$$ raises :class:<code>E</code></p>"
        '<span class="arithmatex">\\(z\\)</span>'
        '<img src="missing.png" alt="a figure"><img src="ok.svg">'
        '<div class="mermaid">graph LR; a--&gt;b</div>'
        "<pre><code>print(1)</code></pre>"
        '<pre><code style="display:block;overflow:auto;width:200px">x = "' + "a" * 200 + '"</code></pre>'
        '<div class="arithmatex"><span class="katex-display" style="display:block;overflow:hidden;width:200px">'
        '<span class="katex" style="display:inline-block;width:900px">wide</span></span></div>'
        '<div style="width:600px">wider than a phone</div>'
        '<script src="https://cdn.example.org/x.js"></script>'
        "<script>console.error('boom')</script></article></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "ok.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    with SiteServer(tmp_path) as running:
        report = visit(browser, running, "", ready_timeout_ms=300)
    facts = report.facts
    assert report.foreign_requests == ["https://cdn.example.org/x.js"]
    assert any("boom" in error for error in report.console_errors)
    assert any("missing.png" in failure and "404" in failure for failure in report.failed_requests)
    assert len(facts["rawDelimiters"]) == 2 and facts["untypeset"] == ["\\(z\\)"]
    assert [i["width"] > 0 for i in facts["images"]] == [False, True] and facts["images"][1]["alt"] == ""
    assert facts["diagrams"] == [{"what": "mermaid", "svg": False}]
    assert facts["withoutCopy"] == ["print(1)", 'x = "' + "a" * 55]
    assert [code["line"][:5] for code in facts["wideCode"]] == ['x = "'] and facts["wideCode"][0]["hidden"] > 1000
    assert [m["math"] for m in facts["wideMath"]] == ["wide"] and facts["wideMath"][0]["hidden"] >= 700
    assert report.phone["overflow"] >= 600 - PHONE["width"]
    assert [m["why"] for m in report.phone["unboxed"]] == ["is 700 px wider than its box and does not scroll"]
    assert facts["sphinxRoles"] == ["raw \\(x^2\\) and $$y$$ raises :class:"]
    assert report.not_ready and report.bytes > 0 and report.requests == 3  # the foreign one apart


def test_without_chromium_the_message_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABBOOK_CHROMIUM", raising=False)
    monkeypatch.setattr("shutil.which", lambda name: None)
    executable, why = chromium_executable()
    assert executable is None and "apt-get install chromium" in why
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _unavailable(why)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run"):
        _unavailable(why)
