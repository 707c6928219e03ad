"""What a URL may ask for by number: page numbers of lists and ids in paths, kept within what
the databases store, so a huge, negative or non-numeric value is a 404 or the first page,
never a 500 (an offset past SQLite's 64 bits, an id past PostgreSQL's ``integer``)."""
from __future__ import annotations

from collections.abc import Mapping

from werkzeug.routing import IntegerConverter

# The largest value of an ``integer`` column on PostgreSQL (ids are ``integer`` there).
MAX_ID = 2**31 - 1
# No list pages further: 50 a page, that is fifty million rows.
MAX_PAGE = 1_000_000


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative integer no larger than :data:`MAX_ID`; a
    larger one matches no route (404) instead of reaching the database."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_arg(args: Mapping[str, str], name: str = "page") -> int:
    """The page a list is asked for: 1 when missing or not a number, at most :data:`MAX_PAGE`."""
    raw = args.get(name) or ""
    try:
        page = int(raw) if len(raw) <= 12 else MAX_PAGE
    except ValueError:
        return 1
    return min(max(1, page), MAX_PAGE)
