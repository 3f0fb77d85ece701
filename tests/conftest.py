"""The hypothesis profiles of the suite, and the fixtures shared by the tests of the built site."""

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
from hypothesis import HealthCheck, settings

from tests.docs_harness import ROOT

# --- hypothesis: one place for its settings -----------------------------------
#
# Tests set only ``max_examples`` (where they need more or fewer than 100); the
# rest comes from here. No deadline and no "too slow" health check: this
# machine is shared, and a garbage-collector pause of several hundred
# milliseconds inside one example is a timing, not a bug. Under CI=true (as
# .ci/run sets) the examples are derandomized, so every CI run tries the same
# ones and a failure reproduces; a local run draws new ones and keeps failures
# in .hypothesis/. Either way a failing example is printed with the blob that
# replays it (@reproduce_failure); keep it in the test as an @example.
#
# How many examples: a test's ``max_examples`` (hypothesis's 100 if it sets
# none) is what the CI profile runs; a reader's run (the default profile) runs
# a quarter of it, at least 10 (or all, if fewer), so that ``python -m pytest``
# stays quick. ``--hypothesis-profile=labbook-ci`` runs the full count locally.
settings.register_profile(
    "labbook", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("labbook-ci", settings.get_profile("labbook"), derandomize=True, database=None)

#: The share of each test's examples that a profile runs.
EXAMPLE_SHARE = {"labbook": 0.25, "labbook-ci": 1.0}


def examples_to_run(asked: int, share: float) -> int:
    """Of the ``asked`` examples of a test, how many a profile with ``share`` runs: at least 10 (all if fewer)."""
    return max(min(asked, 10), round(asked * share))


def _size_examples(items: list[pytest.Item]) -> None:
    """Scale every hypothesis test's ``max_examples`` by the share of the loaded profile."""
    share = EXAMPLE_SHARE.get(settings._current_profile, 1.0)  # noqa: SLF001 - the profile's name
    if share == 1.0:
        return
    for item in items:
        test = getattr(item, "function", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None and getattr(test, "is_hypothesis_test", False) and not getattr(test, "_labbook_sized", False):
            test._hypothesis_internal_use_settings = settings(
                current, max_examples=examples_to_run(current.max_examples, share))
            test._labbook_sized = True


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium over the built site (deselect with -m 'not browser')")
    if config.getoption("hypothesis_profile", None) is None:  # --hypothesis-profile=NAME wins
        settings.load_profile("labbook-ci" if os.environ.get("CI", "").lower() == "true" else "labbook")
    config.addinivalue_line(
        "markers", "downloads: installs the site's wheel in a fresh environment and runs every chapter's script "
        "(deselect with -m 'not downloads')")


#: Lines for the end of the run from the browser tests (screenshot folder, page weights).
BROWSER_SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(BROWSER_SUMMARY, [])
    if lines:
        terminalreporter.write_sep("-", "browser: page weights and screenshots")
        for line in lines:
            terminalreporter.write_line(line)


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


# --- the site is built, and its pages read, while the other tests run --------
#
# Building the site (a subprocess) and reading every page in Chromium take
# most of the suite's time but hardly any of the main thread's: both start in
# background threads as soon as the tests are collected, and the tests that
# need them are moved to the end of the run, so the two cores work in parallel.

_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="site")


@dataclass(frozen=True)
class PageReading:
    """Pages being read in the background: the reports to come, and their screenshot folder."""

    reports: Future[Any]
    folder: Path


SITE_BUILD = pytest.StashKey["Future[BuiltSite]"]()
PAGE_READING = pytest.StashKey[PageReading]()


def _uses(item: pytest.Item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    _size_examples(items)
    items.sort(key=lambda item: _uses(item, "built_site"))  # stable: order kept within each group


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not any(_uses(item, "built_site") for item in session.items):
        return
    site_dir = config._tmp_path_factory.mktemp("site")  # noqa: SLF001 - pytest's own tmp_path_factory
    build = config.stash[SITE_BUILD] = _BACKGROUND.submit(build_site, site_dir)
    if any(_uses(item, "page_reports") for item in session.items):
        from tests.site_browser import chromium_executable

        if chromium_executable()[0] is not None:  # otherwise the browser fixture skips (or fails under CI)
            config.stash[PAGE_READING] = start_page_reading(config, build)


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
    from tests.site_browser import chromium_executable, read_site

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


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site as ``mkdocs build --strict`` (or, with ``LABBOOK_BUILDER=zensical``,
    ``zensical build --strict``) writes it, built once per session."""
    started = request.config.stash.get(SITE_BUILD, None)
    return started.result() if started is not None else build_site(tmp_path_factory.mktemp("site"))
