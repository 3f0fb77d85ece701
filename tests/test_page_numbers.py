"""Every content page: every block runs, and numbers typed in the prose come from code.

Sybil checks what the code blocks print; this test ties the sentences to them:
a decimal number written in the text (``0.7310585786300049``, ``-0.533``) must
occur in one of the page's ```python or ```output fences, so editing the prose
alone makes the suite fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs_harness import DOCS, content_pages, executed_examples

#: Every content page (all but the API reference): its prose numbers are tied to its code.
PAGES = [page.name for page in content_pages()]

#: How many examples (doctest statements and checked scripts) each page runs, as
#: Sybil's own docs do with ``check_path(..., expected=N)``: a block that
#: silently stops running (a changed fence, a stray skip) changes the count.
#: Update the number when you add or remove an example on purpose.
EXPECTED_EXAMPLES = {
    "index.md": 9,
    "matrix-primer.md": 52,
    "forward-pass.md": 32,
    "chain-rule.md": 29,
    "sigmoid.md": 32,
    "linear-regression.md": 10,
    "hadamard-gradient.md": 14,
    "gradient-checking.md": 15,
    "backprop-by-hand.md": 14,
    "autograd-steps.md": 34,
    "pitfalls.md": 83,
    "performance.md": 6,
    "softmax-cross-entropy.md": 11,
    "deeper-networks.md": 11,
    "exercises.md": 34,
}

# A fence may be indented (inside an admonition such as a collapsed solution).
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+")


def split_page(text: str) -> tuple[str, str]:
    """(prose, code): the text outside fences and the bodies of python/output fences."""
    code = [m.group("body") for m in _FENCE.finditer(text) if m.group("info").strip() in ("python", "output")]
    prose = _FENCE.sub("", text)
    prose = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", prose)  # alt texts describe figures drawn by code
    prose = re.sub(r"\]\([^)\s]*\)", "]", prose)  # a link's address (arxiv.org/abs/1502.01852) states nothing
    return prose, "\n".join(code)


def untied_numbers(text: str) -> list[str]:
    prose, code = split_page(text)
    return sorted({n for n in _DECIMAL.findall(prose) if n not in code})


@pytest.mark.parametrize("name", PAGES)
def test_prose_numbers_come_from_the_page_code(name: str) -> None:
    page = DOCS / name
    assert untied_numbers(page.read_text(encoding="utf-8")) == []


def test_an_edited_prose_number_is_caught() -> None:
    text = (DOCS / "sigmoid.md").read_text(encoding="utf-8")
    assert "0.7310585786300049" in split_page(text)[0]
    edited = text.replace("\\(D = \\sigma(1) = 0.7310585786300049\\)", "\\(D = \\sigma(1) = 0.7310585786300048\\)")
    assert edited != text
    assert untied_numbers(edited) == ["0.7310585786300048"]


def test_split_page_sees_only_python_and_output_fences(tmp_path: Path) -> None:
    text = "x is 1.25 here\n\n```python\nprint(1.25)\n```\n\n```text\n2.5\n```\n\nand 2.5\n"
    assert untied_numbers(text) == ["2.5"]


def test_a_link_address_is_not_prose_but_its_text_is() -> None:
    text = "[He et al. 1.5](https://arxiv.org/abs/1502.01852) and [2.5](x/3.5.html)\n"
    assert untied_numbers(text) == ["1.5", "2.5"]


def test_split_page_sees_fences_indented_in_an_admonition() -> None:
    text = '??? solution "Solution"\n\n    x is 1.25\n\n    ```python\n    print(1.25)\n    ```\n\n    and 2.5\n'
    assert untied_numbers(text) == ["2.5"]


@pytest.mark.parametrize("name", PAGES)
def test_every_example_on_the_page_runs(name: str) -> None:
    assert name in EXPECTED_EXAMPLES, f"add {name} and its number of examples to EXPECTED_EXAMPLES"
    assert len(executed_examples(DOCS / name)) == EXPECTED_EXAMPLES[name]
