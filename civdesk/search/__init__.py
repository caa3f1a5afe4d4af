"""Full-text search over materials: exact substring semantics for Chinese.

``SearchIndex`` (in :mod:`.engine`) keeps a Whoosh index of character grams
and checks candidates against folded text; :mod:`.text` defines folding and
:mod:`.query` the little query syntax.  The core's ``Library`` feeds it
``IndexDoc`` values and maps ``Hit.material_id`` back to materials.
"""
from .engine import FORMAT_VERSION, Hit, IndexBusyError, IndexDoc, SearchIndex, standard_prefixes
from .query import ParsedQuery, parse_query
from .text import fold, fold_with_map

__all__ = [
    "FORMAT_VERSION",
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "ParsedQuery",
    "SearchIndex",
    "fold",
    "fold_with_map",
    "parse_query",
    "standard_prefixes",
]
