"""The code a reader takes away: the wheel and the chapter scripts that the built site offers.

The files are taken from the built pages (``<a download>`` links whose target
is a ``data:`` URL), exactly as a reader's browser would save them. The wheel
is installed, without the repository, into a fresh virtual environment that
sees only the wheel's own requirements (numpy, scipy, tqdm and what they
need, linked from this environment so that nothing is downloaded), and every
chapter's script runs there from an empty folder. What it prints must be what
the page shows: the doctest outputs and ```` ```output ```` fences of the
page, in order, read by the same Sybil parsers that check the page (not by
`labcode.downloads`, which made the script). ``-m "not downloads"`` leaves
these tests out while you iterate.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import Parser
from html.parser import HTMLParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.site.build import BuiltSite
from tests.docs_harness import DOCS, ROOT, content_pages, executed_examples
from tests.site.scan import search_entries

pytestmark = pytest.mark.downloads

CHAPTERS = [page for page in content_pages() if page.name != "index.md"]
#: A whole script may take this long (the slowest chapter takes about a second here).
SCRIPT_TIMEOUT = 120


@dataclass(frozen=True)
class Download:
    name: str  #: the file name the browser saves it as (the ``download`` attribute)
    page: str  #: the built page that offers it, relative to the site
    data: bytes


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "download" in values:
            self.found.append((values["download"], values.get("href", "")))


def site_downloads(site: Path) -> list[Download]:
    """Every ``<a download>`` of the built site, its ``data:`` URL decoded."""
    found = []
    for page in sorted(site.rglob("*.html")):
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        for name, href in links.found:
            head, _, encoded = href.partition(",")
            assert head.startswith("data:") and head.endswith(";base64"), f"{page}: {name} links {href[:60]}"
            found.append(Download(name, page.relative_to(site).as_posix(), base64.b64decode(encoded, validate=True)))
    return found


def chapter_number(page: Path) -> int:
    return int(re.match(r"# (\d+)\. ", page.read_text(encoding="utf-8")).group(1))


def expected_output(page: Path) -> str:
    """What the page shows its code print, in order: each doctest's output (the error line for
    one that raises) and each ```output fence, as the docs harness reads them."""
    shown = []
    for example in executed_examples(page):
        parsed = example.parsed
        if hasattr(parsed, "want"):  # a doctest example
            shown.append(parsed.exc_msg if parsed.exc_msg is not None else parsed.want)
        else:
            shown.append(example.region.evaluator.expected or "")
    return "".join(text if text.endswith("\n") or not text else text + "\n" for text in shown)


def _words(text: str) -> str:
    """The comparison the pages use (doctest's NORMALIZE_WHITESPACE): runs of whitespace are equal."""
    return " ".join(text.replace("<BLANKLINE>", "").split())


@pytest.fixture(scope="session")
def downloads(built_site: BuiltSite) -> dict[str, Download]:
    assert built_site.returncode == 0, built_site.log
    found = site_downloads(built_site.path)
    names = [d.name for d in found]
    assert len(names) == len(set(names)), f"a file is offered twice: {names}"
    return {d.name: d for d in found}


def _requirement_closure(requirements: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that ``requirements`` need, theirs included (no extras)."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = requirement.name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = importlib.metadata.distribution(requirement.name)
        assert dist.version in requirement.specifier, f"installed {dist.name} {dist.version} is not {requirement}"
        seen[key] = dist
        todo += [Requirement(text) for text in dist.requires or []]
    return list(seen.values())


@dataclass(frozen=True)
class WheelEnvironment:
    python: Path
    folder: Path  #: an empty folder outside the repository, to run scripts from
    env: dict[str, str]
    seconds: float  #: how long making it took


@pytest.fixture(scope="session")
def wheel_environment(downloads: dict[str, Download], tmp_path_factory: pytest.TempPathFactory) -> WheelEnvironment:
    """A fresh virtual environment with the site's wheel installed and only its requirements visible."""
    start = time.monotonic()
    [wheel] = [d for d in downloads.values() if d.name.endswith(".whl")]
    base = tmp_path_factory.mktemp("wheel-environment")
    assert not base.is_relative_to(ROOT)
    wheel_file = base / wheel.name
    wheel_file.write_bytes(wheel.data)
    metadata = Parser().parsestr(zipfile.ZipFile(wheel_file).read(
        next(n for n in zipfile.ZipFile(wheel_file).namelist() if n.endswith(".dist-info/METADATA"))).decode())

    venv = base / "venv"
    # This environment's pip installs into the new one when there is one (fast); an environment made by uv
    # has none, and then the new environment gets its own from the standard library's ensurepip (offline).
    have_pip = importlib.util.find_spec("pip") is not None
    venv_args = ["--without-pip"] if have_pip else []
    subprocess.run([sys.executable, "-m", "venv", *venv_args, str(venv)], check=True, timeout=300)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # The wheel's requirements, linked (not copied, not downloaded) into one folder of their own. Only that
    # folder goes on the new environment's path: a .pth line adds a folder but runs no .pth file inside it,
    # so this environment's editable install of the repository stays out.
    requirements = metadata.get_all("Requires-Dist") or []
    linked = base / "requirements"
    linked.mkdir()
    for dist in _requirement_closure(requirements):
        for top in sorted({Path(str(file)).parts[0] for file in dist.files or []} - {"..", "__pycache__"}):
            source = Path(dist.locate_file(top))
            if source.exists() and not (linked / top).exists():
                (linked / top).symlink_to(source, target_is_directory=source.is_dir())
    (purelib / "wheel-requirements.pth").write_text(f"{linked}\n", encoding="utf-8")

    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = [sys.executable, "-m", "pip", "--python", str(python)] if have_pip else [str(python), "-m", "pip"]
    installed = subprocess.run([*pip, "install", "--quiet", "--no-deps", "--no-index", str(wheel_file)],
                               env=env, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, f"pip could not install {wheel.name}:\n{installed.stdout}{installed.stderr}"
    folder = base / "reader"
    folder.mkdir()
    return WheelEnvironment(python, folder, env, time.monotonic() - start)


def _run(environment: WheelEnvironment, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(environment.python), *args], cwd=environment.folder, env=environment.env,
                          capture_output=True, text=True, timeout=SCRIPT_TIMEOUT)


# --- what the site offers ----------------------------------------------------------------


def test_the_home_page_offers_the_wheel(downloads: dict[str, Download]) -> None:
    wheels = [d for d in downloads.values() if d.name.endswith(".whl")]
    assert [(d.name, d.page) for d in wheels] == [(f"labcode-{importlib.metadata.version('labcode')}-py3-none-any.whl",
                                                   "index.html")]
    names = zipfile.ZipFile(io.BytesIO(wheels[0].data)).namelist()
    assert "labcode/bench/performance.json" in names, "the performance chapter's results file is not in the wheel"
    assert not [n for n in names if n.startswith(("tests/", "docs/")) or "__pycache__" in n], names


def test_every_chapter_offers_its_script(downloads: dict[str, Download]) -> None:
    scripts = {d.name: d.page for d in downloads.values() if d.name.endswith(".py")}
    expected = {f"chapter-{chapter_number(page):02d}-{page.stem}.py": f"{page.stem}/index.html" for page in CHAPTERS}
    assert scripts == expected


def test_the_download_box_is_left_out_of_search(built_site: BuiltSite) -> None:
    """The same box is on every chapter: searching its words would list them all."""
    indexed = " ".join(" ".join(entry["text"].split()) for entry in search_entries(built_site.path))
    assert "Every code block of this page, in order, as one script" not in indexed
    assert "Download it as a wheel" in indexed  # the home page's section is searched


def test_pages_name_the_wheel_that_is_offered(downloads: dict[str, Download]) -> None:
    """The install commands in the prose name the very file the home page offers."""
    [wheel] = [name for name in downloads if name.endswith(".whl")]
    named = {(page.name, found) for page in sorted(DOCS.glob("*.md"))
             for found in re.findall(r"labcode-[\w.+-]+\.whl", page.read_text(encoding="utf-8"))
             if found != "labcode-<version>-py3-none-any.whl"}
    assert named and {found for _, found in named} == {wheel}, named


def test_scripts_have_no_prompts_and_show_the_page_outputs_as_comments(downloads: dict[str, Download]) -> None:
    for page in CHAPTERS:
        script = downloads[f"chapter-{chapter_number(page):02d}-{page.stem}.py"].data.decode("utf-8")
        compile(script, page.name, "exec")
        assert not re.search(r"^\s*(>>>|\.\.\.)( |$)", script, re.MULTILINE), f"{page.name}: a prompt is left"
        comments = "\n".join(line[3:] for line in script.splitlines() if line.startswith("#> ") or line == "#>")
        assert _words(comments) == _words(expected_output(page)), f"{page.name}: the #> comments differ from the page"


# --- what the reader gets when running them -----------------------------------------------


def test_the_wheel_is_what_the_environment_imports(wheel_environment: WheelEnvironment) -> None:
    """labcode comes from the installed wheel, the repository is not on the path, numpy is found."""
    result = _run(wheel_environment, "-c", "import labcode, numpy, sys; print(labcode.__file__); print(sys.path)")
    assert result.returncode == 0, result.stderr
    where = Path(result.stdout.splitlines()[0])
    assert where.is_relative_to(wheel_environment.python.parent.parent), where
    assert str(ROOT) not in result.stdout, f"the repository is on the path: {result.stdout}"
    missing = _run(wheel_environment, "-c", "import tests.docs_harness")
    assert missing.returncode != 0 and "ModuleNotFoundError" in missing.stderr
    extra = _run(wheel_environment, "-c", "import matplotlib")  # in this environment, but not a requirement
    assert extra.returncode != 0 and "ModuleNotFoundError" in extra.stderr


def test_every_chapter_script_prints_what_its_page_shows(downloads: dict[str, Download],
                                                         wheel_environment: WheelEnvironment) -> None:
    start = time.monotonic()
    jobs = {}
    for page in CHAPTERS:
        download = downloads[f"chapter-{chapter_number(page):02d}-{page.stem}.py"]
        (wheel_environment.folder / download.name).write_bytes(download.data)
        jobs[page] = download.name
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(jobs, pool.map(lambda name: _run(wheel_environment, name), jobs.values())))
    failures = []
    for page, result in results.items():
        if result.returncode != 0:
            failures.append(f"{jobs[page]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
        elif _words(result.stdout) != _words(expected_output(page)):
            failures.append(f"{jobs[page]} prints\n{result.stdout[:3000]}\nbut {page.name} shows\n"
                            f"{expected_output(page)[:3000]}")
    print(f"\nwheel environment made in {wheel_environment.seconds:.1f} s; "
          f"{len(jobs)} scripts ran in {time.monotonic() - start:.1f} s")
    assert not failures, "\n\n".join(failures)


def test_expected_output_reads_doctests_and_output_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('# 1. P\n\n```python\n>>> 1 + 1\n2\n>>> int("x")\nTraceback (most recent call last):\n...\n'
                    "ValueError: invalid literal for int() with base 10: 'x'\n\n```\n\n"
                    '```python\nprint("a")\n```\n\n```output\na\n```\n', encoding="utf-8")
    assert expected_output(page) == "2\nValueError: invalid literal for int() with base 10: 'x'\na\n"
