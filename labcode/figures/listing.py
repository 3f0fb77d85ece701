"""Source listings for the pages: labcode's own code, read from its files while a page is built.

A page that explains how a part of ``labcode`` works shows that part's code
with a build-time block (markdown-exec), never a copy pasted into the page::

    ```python exec="on"
    from labcode.autograd import Variable
    from labcode.figures.listing import source_listing
    print(source_listing(Variable.backward))
    ```

`source_listing` reads the source with `inspect`, drops the docstrings (the
page's prose explains what they would), and returns a Markdown code block
headed by the file and the lines it comes from, so the listing is always the
code that runs.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

__all__ = ["source_lines", "source_listing"]

_ROOT = Path(__file__).resolve().parents[2]


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers (1-based) of every docstring of a function or class in ``tree``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                found.update(range(first.lineno, first.end_lineno + 1))
    return found


def source_lines(obj: object, docstrings: bool = False) -> tuple[str, int, int, str]:
    """The file (relative to the repository when inside it), the first and last line, and the dedented source of a function, method or class.

    ``docstrings=True`` keeps the docstrings of ``obj`` and of everything
    defined in it. An object with no source file (a built-in, or code made at run
    time) raises `TypeError`.
    """
    try:
        lines, first = inspect.getsourcelines(obj)
        path = Path(inspect.getsourcefile(obj) or "")
    except (OSError, TypeError) as error:
        raise TypeError(f"obj must be a function, method or class defined in a file, got {obj!r}") from error
    source = "".join(lines)
    kept = lines
    if not docstrings:
        dropped = _docstring_lines(ast.parse(textwrap.dedent(source)))
        # A blank line that followed a docstring goes with it.
        dropped |= {n + 1 for n in dropped if n + 1 not in dropped and n < len(lines)
                    and not lines[n].strip()}
        kept = [line for number, line in enumerate(lines, start=1) if number not in dropped]
    file = path.relative_to(_ROOT).as_posix() if path.is_relative_to(_ROOT) else path.name
    return file, first, first + len(lines) - 1, "".join(kept).rstrip("\n")


def source_listing(obj: object, docstrings: bool = False) -> str:
    """The `source_lines` of ``obj`` as Markdown: a line naming the file and the lines, then a fenced ``python`` block.

    The block sits inside ``<section data-search-exclude>`` (kept out of the
    search index); the code is dedented, so a method reads as it would at the
    top level.
    """
    file, first, last, code = source_lines(obj, docstrings)
    # Out of the search index, as the API pages' source listings are: the index is
    # downloaded by every page, and the code is searchable where it is documented.
    return (f"`{file}`, lines {first} to {last}:\n\n<section data-search-exclude markdown>\n\n"
            f"```python\n{textwrap.dedent(code)}\n```\n\n</section>\n")
