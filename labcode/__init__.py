"""labcode: the small library that every page of the labbook imports.

Each module holds one idea and pairs with one or two pages of the site; the
API reference (``docs/api/``) renders one page per module.
"""

__version__ = "0.1.0"
