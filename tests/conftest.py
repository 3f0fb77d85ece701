"""Fixtures shared by the tests of the built site."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs_harness import ROOT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium over the built site (deselect with -m 'not browser')")


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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site as ``mkdocs build --strict`` writes it, built once per session."""
    site_dir = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
         "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return BuiltSite(site_dir, result.stdout + result.stderr, result.returncode)
