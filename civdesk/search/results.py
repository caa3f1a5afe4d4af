"""What a library search returns: index hits joined with the materials' titles and names.

Kept apart from :mod:`civdesk.search.indexing` (which needs the ORM) so the command line's
quick path (:mod:`civdesk.search.quick`) builds the same results without SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def join_names(hits: Iterable[Hit], names: Mapping[int, tuple[str, str]]) -> list[SearchResult]:
    """Results in the hits' order; a hit whose material is gone (deleted meanwhile) is dropped."""
    return [SearchResult(h.material_id, names[h.material_id][0], names[h.material_id][1],
                         round(h.score, 4), h.snippet, h.page, tuple(h.spans), h.field)
            for h in hits if h.material_id in names]
