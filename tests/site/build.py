"""Building the site and reading its pages in Chromium: plain helpers for the site tests and their plugin.

`build_site` runs ``mkdocs build --strict`` (or Zensical's build) into a folder
and returns a `BuiltSite`. `start_page_reading` reads every page of a built (or
still building) site in Chromium in a background thread; `tests.site.plugin`
starts both as soon as the tests are collected.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.docs_harness import ROOT

#: Lines for the end of the run from the browser tests (screenshot folder, page weights).
BROWSER_SUMMARY = pytest.StashKey[list[str]]()


@dataclass(frozen=True)
class BuiltSite:
    path: Path
    log: str
    returncode: int
    builder: str = "mkdocs"


#: The builders the site tests can run on; ``LABBOOK_BUILDER`` picks one (MkDocs by default).
BUILDERS = ("mkdocs", "zensical")


def site_builder() -> str:
    """The builder named by ``LABBOOK_BUILDER`` (``mkdocs`` if unset); anything else is an error."""
    builder = os.environ.get("LABBOOK_BUILDER", "") or "mkdocs"
    if builder not in BUILDERS:
        raise pytest.UsageError(f"LABBOOK_BUILDER={builder!r}: expected one of {', '.join(BUILDERS)}")
    return builder


def build_site(site_dir: Path, builder: str | None = None, config_file: Path | None = None) -> BuiltSite:
    """Build the site of ``config_file`` (``mkdocs.yml``) in strict mode into ``site_dir``, with MkDocs or Zensical.

    Zensical (``zensical build --strict --clean``) has no option for the
    output folder and writes only inside the project: it builds into a fresh
    folder under ``site/`` named by ``LABBOOK_SITE_DIR`` (which ``mkdocs.yml``
    reads), and ``site_dir`` is ignored. ``--clean`` empties its page cache
    (``.cache/``), so every block on every page runs again.
    """
    builder = builder or site_builder()
    config_file = config_file or ROOT / "mkdocs.yml"
    root = config_file.parent
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg")
    if builder == "zensical":
        (root / "site").mkdir(exist_ok=True)
        site_dir = Path(tempfile.mkdtemp(prefix="zensical-", dir=root / "site"))
        atexit.register(shutil.rmtree, site_dir, ignore_errors=True)
        env["LABBOOK_SITE_DIR"] = str(site_dir.relative_to(root))
        command = [sys.executable, "-m", "zensical", "build", "--strict", "--clean", "--config-file", str(config_file)]
    else:
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
                   "--config-file", str(config_file), "--site-dir", str(site_dir)]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    return BuiltSite(site_dir, result.stdout + result.stderr, result.returncode, builder)


#: Two background threads: one builds the site (a subprocess), one reads its pages in Chromium.
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="site")


@dataclass(frozen=True)
class PageReading:
    """Pages being read in the background: the reports to come, and their screenshot folder."""

    reports: Future[Any]
    folder: Path


def start_build(site_dir: Path) -> Future[BuiltSite]:
    """`build_site` into ``site_dir`` in a background thread."""
    return _BACKGROUND.submit(build_site, site_dir)


#: The build and the page reading that `tests.site.plugin` starts, kept in pytest's stash.
SITE_BUILD = pytest.StashKey["Future[BuiltSite]"]()
PAGE_READING = pytest.StashKey[PageReading]()


def _keep_playwright_off_the_global_random() -> None:
    """Give Playwright a random generator of its own.

    Playwright draws the prefix of its call ids from the global `random` module
    (``playwright/_impl/isomorphic/trace_utils.py``). Started in the background
    thread below while a hypothesis test in the main thread is drawing an
    example, that moves the global state under hypothesis, which fails the
    example ("Do not use the `random` module inside strategies", a
    HypothesisDeprecationWarning, an error in this suite) and then calls the
    test flaky when the replay passes: whichever property test was running when
    the site build finished.
    """
    try:
        from playwright._impl.isomorphic import trace_utils
    except ImportError:  # no Playwright, or another layout: nothing to protect from
        return
    trace_utils.random = random.Random()


def start_page_reading(config: pytest.Config, site: Future[BuiltSite] | BuiltSite) -> PageReading:
    """Read every page of the site in a background thread, once it is built.

    Screenshots cost about a second a page, so only the home page is shot
    (both palettes, 1280 px and phone) into a folder of this run's temporary
    directory, unless ``LABBOOK_SCREENSHOTS=dir`` asks for every page there.
    """
    from tests.site.browser import chromium_executable, read_site

    _keep_playwright_off_the_global_random()

    chosen = os.environ.get("LABBOOK_SCREENSHOTS")
    if chosen:
        folder = Path(chosen).resolve()
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = config._tmp_path_factory.mktemp("screenshots")  # noqa: SLF001
    shoot = None if chosen else {""}
    executable = chromium_executable()[0]

    def read() -> Any:
        built = site.result() if isinstance(site, Future) else site
        return read_site(executable, built, folder, shoot)

    reading = PageReading(_BACKGROUND.submit(read), folder)
    config.stash[PAGE_READING] = reading
    return reading
