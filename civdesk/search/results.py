"""What a library search returns: index hits with the materials' titles and names.

Kept apart from :mod:`civdesk.search.indexing` (which needs the ORM) so the command line's
quick path (:mod:`civdesk.search.quick`) builds the same results without SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from civdesk.search.engine import Hit


@dataclass(frozen=True)
class SearchResult:
    material_id: int
    title: str
    original_name: str
    score: float
    snippet: str
    page: int | None
    spans: tuple[tuple[int, int], ...] = ()
    field: str = ""

    def marked(self, open_mark: str = "【", close_mark: str = "】") -> str:
        out, pos = [], 0
        for a, b in self.spans:
            out += [self.snippet[pos:a], open_mark, self.snippet[a:b], close_mark]
            pos = b
        out.append(self.snippet[pos:])
        return "".join(out)


def results(hits: Iterable[Hit]) -> list[SearchResult]:
    """Results in the hits' order, with the title and file name the index holds.

    Materials are never deleted, and the index is caught up before a search (on a shared
    library, to within :data:`~civdesk.search.indexing.SHARED_RECHECK_S`, as the hits
    themselves), so the names need no trip to the database: on a server that trip cost
    more than the search.
    """
    return [SearchResult(h.material_id, h.title, h.original_name, round(h.score, 4), h.snippet,
                         h.page, tuple(h.spans), h.field) for h in hits]
