"""The pytest plugin of the site tests (registered by the root ``conftest.py``).

Building the site (a subprocess) and reading every page in Chromium take
most of the suite's time but hardly any of the main thread's: both start in
background threads as soon as the tests are collected, and the tests that
need them are moved to the end of the run, so the two cores work in parallel.

The fixture `built_site` gives the build to any test in the suite (the
benchmark and figure tests use it too); the browser's page weights and
screenshot folder are printed at the end of the run.
"""

from __future__ import annotations

import pytest

from tests.site.build import (
    BROWSER_SUMMARY, PAGE_READING, SITE_BUILD, BuiltSite, build_site, start_build, start_page_reading,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium over the built site (deselect with -m 'not browser')")
    config.addinivalue_line(
        "markers", "downloads: installs the site's wheel in a fresh environment and runs every chapter's script "
        "(deselect with -m 'not downloads')")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(BROWSER_SUMMARY, [])
    if lines:
        terminalreporter.write_sep("-", "browser: page weights and screenshots")
        for line in lines:
            terminalreporter.write_line(line)


def _uses(item: pytest.Item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # First the tests that need no site, then those that need the build, and last those that
    # need every page read: each group runs while the next one's work goes on in the background.
    # The sort is stable: the order within each group is kept.
    items.sort(key=lambda item: (_uses(item, "built_site"), _uses(item, "page_reports")))


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly or not any(_uses(item, "built_site") for item in session.items):
        return
    site_dir = config._tmp_path_factory.mktemp("site")  # noqa: SLF001 - pytest's own tmp_path_factory
    build = config.stash[SITE_BUILD] = start_build(site_dir)
    if any(_uses(item, "page_reports") for item in session.items):
        from tests.site.browser import chromium_executable

        if chromium_executable()[0] is not None:  # otherwise the browser fixture skips (or fails under CI)
            config.stash[PAGE_READING] = start_page_reading(config, build)


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site as ``mkdocs build --strict`` (or, with ``LABBOOK_BUILDER=zensical``,
    ``zensical build --strict``) writes it, built once per session."""
    started = request.config.stash.get(SITE_BUILD, None)
    return started.result() if started is not None else build_site(tmp_path_factory.mktemp("site"))
