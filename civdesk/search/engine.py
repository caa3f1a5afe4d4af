"""The full-text index of materials: Whoosh postings of character grams + exact check.

How a search works (see MEASUREMENTS.md for why):

1. every searchable field of a material is folded (:mod:`civdesk.search.text`)
   and joined into one string; Whoosh indexes its *distinct* character
   bigrams (no positions) in the ``grams`` field, each posting weighted with
   the most a word containing that bigram can score in that material
   (:func:`gram_bounds`);
2. a typed word's bigrams are looked up and intersected, rarest first: the
   result holds every material that contains the word, and possibly a few
   more (a one-character word skips this step: every material is a candidate);
3. each candidate is checked against its folded text (``str.count``), which
   also gives the occurrence counts used for ranking.  Recall and precision are
   therefore exact: a material is returned iff every folded word is a
   substring of one of its folded fields and no excluded word is.  For the
   best ``limit`` matches of one word, only the rarest gram's posting blocks
   that can hold one of them are read (each block's header carries its
   highest bound), best first, and the check stops once no unchecked
   candidate can enter (:meth:`SearchIndex._best_by_blocks`).

Speed: the gram postings are written a block at a time from arrays held per
gram (:class:`_GramPool`), not through Whoosh's per-posting external sort;
decoded postings are kept per reader; snippets fold only a stretch of a page.

The folded texts and filter values of all materials are held in memory (the
*catalog*, about 2 bytes per character of text), loaded from Whoosh's stored
fields on first use; the original texts stay on disk (a compressed column)
and are read only to build snippets.

On disk, ``path/`` holds ``CURRENT`` (JSON naming the live Whoosh directory and
the format version) and one Whoosh directory ``ix-NNNNNN``.  A rebuild, or the
replacement of a damaged index by an empty one, writes a new directory and
swaps ``CURRENT`` atomically (``os.replace``), so a crash leaves either the old
or the new index, never half of one.

Writers: one at a time.  A ``threading.Lock`` serialises writers in this
process; Whoosh's ``WRITELOCK`` (an OS file lock, released by the OS when a
process dies, so a killed process leaves no stale lock) serialises processes,
with a timeout and :class:`IndexBusyError` if another process keeps it.

Glossary: material (材料) = one indexed document; standard (测评标准) codes
such as ``Ⅲ-5:1``; unit (责任单位); kind (材料类型); filed (已归档).
"""
from __future__ import annotations

import bisect
import heapq
import io
import itertools
import json
import math
import operator
import os
import pickle
import re
import shutil
import struct
import threading
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from whoosh import columns, fields, formats, index
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.filelock import try_for

from ..progress import Progress
from .query import ParsedQuery, parse_query
from .text import FIELD_SEP, fold, fold_with_map, is_cjk, join_pages

__all__ = [
    "FORMAT_VERSION",
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "SearchIndex",
    "standard_prefixes",
]

#: Bump when the schema or the stored layout changes: old indexes then report
#: ``needs_rebuild``.
FORMAT_VERSION = 2  # 2: gram postings carry score bounds (weights)

#: Searchable fields, in the order they are joined in the folded text.
FIELDS: tuple[str, ...] = ("title", "caption", "doc_number", "original_name", "standards", "text")
#: Score of one occurrence per field; a title hit outranks any number of body hits.
WEIGHTS: dict[str, float] = {
    "title": 1000.0,
    "caption": 500.0,
    "doc_number": 200.0,
    "original_name": 200.0,
    "standards": 200.0,
    "text": 1.0,
}
BODY_CAP = 199  # body occurrences counted for ranking, at most

_CURRENT = "CURRENT"
_EXACT_F32 = float(2 ** 24)  # weights are stored as 32-bit floats: larger bounds become infinite
_POSTINGS_BUDGET = 500_000  # decoded gram postings kept in memory (about 60 bytes each)
_SNIPPET_BEFORE = 24
_SNIPPET_AFTER = 56
_SHORT_FIELD = 80
_PLAIN = re.compile(r"[^\s\x00-\x1f]*")
_BLOCKS_MAGIC = b"W3Bl"  # Whoosh 3's posting list header
_INT = struct.Struct("!i")  # a posting block's length (negative for the last block)


class IndexBusyError(RuntimeError):
    """Another process holds the index's write lock for longer than the timeout."""


@dataclass(frozen=True)
class IndexDoc:
    """What the index knows about one material (one version of it)."""

    material_id: int
    version: int
    title: str = ""
    caption: str = ""
    doc_number: str = ""
    original_name: str = ""
    pages: tuple[str, ...] = ()
    unit: str = ""
    kind: str = ""
    date: date | None = None
    standards: tuple[str, ...] = ()
    filed: bool = False


@dataclass(frozen=True)
class Hit:
    """One matching material.

    ``snippet`` is original text around the first hit in ``field``; ``spans``
    are ``(start, end)`` offsets of the typed words inside ``snippet``;
    ``page`` is the 1-based page of the first hit in the body text (``None``
    when only other fields matched); ``title`` and ``original_name`` are the
    material's as indexed (empty when searched without snippets).
    """

    material_id: int
    score: float
    snippet: str
    spans: tuple[tuple[int, int], ...]
    page: int | None
    field: str
    title: str = ""
    original_name: str = ""

    def marked(self, open_mark: str = "【", close_mark: str = "】") -> str:
        """The snippet with each span wrapped in markers, e.g. ``…前文【安宁好人】后文…``."""
        out: list[str] = []
        pos = 0
        for a, b in self.spans:
            out += [self.snippet[pos:a], open_mark, self.snippet[a:b], close_mark]
            pos = b
        out.append(self.snippet[pos:])
        return "".join(out)


# ---------------------------------------------------------------- schema


class GramField(fields.FieldType):
    """Indexes the distinct character bigrams of an already folded string.

    No positions: a gram's posting is a document and a weight, the most a word
    containing that gram can score in that document (:func:`gram_bounds`).
    """

    def __init__(self) -> None:
        # Existence: no per-posting values; the blocks still hold each posting's weight
        self.format = formats.Existence()
        self.analyzer = None
        # "Scorable" only so that Whoosh writes a length column: without one,
        # its posting writer stats the disk once per posting (5x slower).
        self.scorable = True
        self.stored = False
        self.unique = False
        self.vector = None

    def index(self, value, **kwargs):  # type: ignore[override]
        for gram, bound in gram_bounds(value).items():
            yield gram.encode("utf-8"), 1, bound, b""


class _GramCodec(W3Codec):
    """Whoosh's own format, with the ``grams`` postings written a block at a time.

    Whoosh adds each posting to an external sort (a pickle per posting, written to
    temporary runs and read back) and writes it with a Python call per posting;
    with a few hundred distinct bigrams per material that was most of the indexing
    time.  Here the writer's pool is a :class:`_GramPool`, which keeps each gram's
    document numbers in an array, and the field writer writes those arrays as
    Whoosh's own posting blocks.  Other fields go through Whoosh unchanged, without
    the per-posting field-length lookups (block statistics only BM25 would use).
    Segments record the plain ``W3Codec``, so any Whoosh can read the index.
    """

    def field_writer(self, storage, segment):
        writer = super().field_writer(storage, segment)
        add_postings = writer.add_postings

        def fast_add_postings(schema, lengths, items):
            if not isinstance(items, _Postings):
                return add_postings(schema, None, items)
            add_postings(schema, None, items.others_before())
            if items.pool.terms:
                _write_gram_blocks(writer, schema["grams"], items.pool)
            return add_postings(schema, None, items.others_after())

        writer.add_postings = fast_add_postings
        return writer

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname)


class _GramPool:
    """A Whoosh writer's posting pool that keeps ``grams`` postings in memory, per gram.

    :meth:`add_doc` takes a document's distinct grams at once; postings of merged
    segments arrive one at a time through :meth:`add`.  Everything else is passed
    to Whoosh's own pool.
    """

    def __init__(self, pool) -> None:
        self._pool = pool
        self.terms: defaultdict[str, tuple[array, array]] = defaultdict(_new_postings)
        self.unordered = False  # merged postings may come after higher document numbers

    def add_doc(self, docnum: int, bounds: dict[str, float]) -> None:
        terms = self.terms
        for gram, bound in bounds.items():
            ids, weights = terms[gram]
            ids.append(docnum)
            weights.append(bound)

    def add(self, item) -> None:
        if item[0] == "grams":
            ids, weights = self.terms[item[1].decode("utf-8")]
            ids.append(item[2])
            weights.append(item[3])
            self.unordered = True
        else:
            self._pool.add(item)

    def iter_postings(self) -> _Postings:
        return _Postings(self, self._pool.iter_postings())

    def __getattr__(self, name: str):
        return getattr(self._pool, name)


def _new_postings() -> tuple[array, array]:
    return array("I"), array("f")


class _Postings:
    """Whoosh's sorted postings of the other fields, split around ``grams``."""

    def __init__(self, pool: _GramPool, others: Iterable) -> None:
        self.pool = pool
        self._others = iter(others)
        self._pending = None

    def __iter__(self):  # a plain iteration (not through the codec): everything, in order
        yield from self.others_before()
        for tb, (ids, weights) in _sorted_grams(self.pool):
            for d, w in zip(ids, weights):
                yield "grams", tb, d, w, b""
        yield from self.others_after()

    def others_before(self):
        for item in self._others:
            if item[0] > "grams":
                self._pending = item
                return
            yield item

    def others_after(self):
        if self._pending is not None:
            item, self._pending = self._pending, None
            yield item
        yield from self._others


def _sorted_grams(pool: _GramPool) -> list[tuple[bytes, tuple[array, array]]]:
    out = sorted((gram.encode("utf-8"), pair) for gram, pair in pool.terms.items())
    if pool.unordered:
        out = [(tb, _in_order(ids, weights)) for tb, (ids, weights) in out]
    return out


def _in_order(ids: array, weights: array) -> tuple[array, array]:
    pairs = sorted(zip(ids, weights))
    return array("I", [d for d, _ in pairs]), array("f", [w for _, w in pairs])


def _write_gram_blocks(fieldwriter, fieldobj, pool: _GramPool) -> None:
    """Write the pool's gram postings as Whoosh ``W3`` posting blocks (what
    ``add_posting`` per document would write: no values, no lengths)."""
    fieldwriter.start_field("grams", fieldobj)
    pw = fieldwriter._postwriter
    limit = pw._blocklimit

    def mini_ids() -> tuple:  # Whoosh's delta encoding, without a generator step per id
        ids = pw._ids
        return tuple(map(operator.sub, ids, itertools.chain((0,), ids)))

    def mini_weights():  # Whoosh's minified weights, without a generator step per weight
        ws = pw._weights
        if ws.count(1.0) == len(ws):
            return None
        return ws[0] if ws.count(ws[0]) == len(ws) else tuple(ws)

    pw._mini_ids = mini_ids
    pw._mini_weights = mini_weights
    for tb, (ids, weights) in _sorted_grams(pool):
        fieldwriter.start_term(tb)
        for k in range(0, len(ids), limit):
            if k:
                pw._write_block()
            pw._ids = ids[k:k + limit]
            pw._weights = chunk = weights[k:k + limit]
            pw._maxweight = max(chunk)
        fieldwriter.finish_term()
    fieldwriter.finish_field()
    pool.terms.clear()


def _schema() -> fields.Schema:
    # Numbers are indexed as one term each (shift_step=0): no range queries are made on them
    # (filters run on the catalog), and Whoosh's default writes 16 terms per 64-bit number.
    # An index written with the default keeps its own schema and works as before.
    return fields.Schema(
        mid=fields.NUMERIC(int, bits=64, unique=True, sortable=True, shift_step=0),
        version=fields.NUMERIC(int, bits=64, sortable=True, shift_step=0),
        grams=GramField(),
        unit=fields.ID(),
        kind=fields.ID(),
        date=fields.ID(),
        year=fields.NUMERIC(int, shift_step=0),
        standards=fields.KEYWORD(commas=True),
        filed=fields.BOOLEAN(),
        data=fields.STORED(),
        orig=fields.COLUMN(columns.PickleColumn(columns.CompressedBytesColumn())),
    )


def _open_dir(path: str) -> index.FileIndex:
    """Open a Whoosh directory without mmap.

    With mmap, Whoosh copies every column it reads (stored fields, original
    texts) into memory — the whole index, over time — and on Windows a mapped
    file cannot be deleted when a rebuild swaps directories.
    """
    return FileStorage(path, supports_mmap=False).open_index()


def _create_in(path: str, schema: fields.Schema) -> index.FileIndex:
    return FileStorage(path, supports_mmap=False).create_index(schema)


def standard_prefixes(code: str) -> tuple[str, ...]:
    """A folded standard code and its ancestors: ``Ⅲ-5:1`` → (``Ⅲ-5``, ``Ⅲ-5:1``).

    Levels are separated by ``:``, ``.`` or ``/``; ``III-5`` folds to ``Ⅲ-5``.
    """
    folded = fold(code)
    out = [folded[:i] for i, ch in enumerate(folded) if ch in ":./" and i > 0]
    out.append(folded)
    return tuple(dict.fromkeys(p for p in out if p))


# ---------------------------------------------------------------- catalog


class _Entry:
    """In-memory record of one indexed material (folded text + filter values)."""

    __slots__ = ("version", "folded", "bounds", "page_starts", "unit", "kind", "date", "year",
                 "standards", "filed")

    def __init__(self, version: int, folded: str, bounds: tuple[int, ...],
                 page_starts: tuple[int, ...], unit: str, kind: str, date_iso: str,
                 year: int | None, standards: frozenset[str], filed: bool) -> None:
        self.version = version
        self.folded = folded
        self.bounds = bounds
        self.page_starts = page_starts
        self.unit = unit
        self.kind = kind
        self.date = date_iso
        self.year = year
        self.standards = standards
        self.filed = filed

    def stored(self) -> tuple:
        return (self.version, self.folded, self.bounds, self.page_starts, self.unit, self.kind,
                self.date, self.year, tuple(sorted(self.standards)), self.filed)

    @classmethod
    def from_stored(cls, data: tuple) -> _Entry:
        version, folded, bounds, page_starts, unit, kind, date_iso, year, stds, filed = data
        return cls(version, folded, tuple(bounds), tuple(page_starts), unit, kind, date_iso,
                   year, frozenset(stds), filed)


def _prepare(doc: IndexDoc) -> tuple[_Entry, tuple]:
    """Fold a document: its catalog entry and its original texts."""
    pages_folded = [fold(p) for p in doc.pages]
    body, page_starts = join_pages(pages_folded)
    standards_text = " ".join(doc.standards)
    parts = [fold(doc.title), fold(doc.caption), fold(doc.doc_number), fold(doc.original_name),
             fold(standards_text), body]
    bounds: list[int] = []
    pos = 0
    for part in parts:
        bounds.append(pos)
        pos += len(part) + 1
    folded = FIELD_SEP.join(parts)
    prefixes = frozenset(p for code in doc.standards for p in standard_prefixes(code))
    entry = _Entry(
        version=int(doc.version), folded=folded, bounds=tuple(bounds), page_starts=page_starts,
        unit=doc.unit, kind=doc.kind, date_iso=doc.date.isoformat() if doc.date else "",
        year=doc.date.year if doc.date else None, standards=prefixes, filed=bool(doc.filed),
    )
    originals = (doc.title, doc.caption, doc.doc_number, doc.original_name, standards_text,
                 tuple(doc.pages))
    return entry, originals


def _fields_for(doc: IndexDoc, entry: _Entry, orig: tuple) -> dict:
    out = dict(
        mid=int(doc.material_id), version=int(doc.version),
        filed=entry.filed, data=entry.stored(), orig=orig,
    )
    if entry.unit:
        out["unit"] = entry.unit
    if entry.kind:
        out["kind"] = entry.kind
    if entry.date:
        out["date"] = entry.date
        out["year"] = entry.year
    if entry.standards:
        out["standards"] = ",".join(sorted(entry.standards))
    return out


# ---------------------------------------------------------------- postings


def _segment_ids(segreader, term: bytes) -> list[int]:
    """All document numbers of a ``grams`` term in one segment, deleted ones included.

    Deleted documents do no harm: every candidate is checked against the
    catalog, which only holds live materials.
    """
    return _segment_postings(segreader, term)[0]


def _segment_postings(segreader, term: bytes) -> tuple[list[int], list[float]]:
    """Document numbers and weights (score bounds) of a ``grams`` term in one segment."""
    try:
        m = segreader.postings("grams", term)
    except TermNotFound:
        return [], []
    if isinstance(m, FilterMatcher):  # the deletion filter; not needed here
        m = m.child
        m.reset()
    ids: list[int] = []
    weights: list[float] = []
    if not (hasattr(m, "_read_ids") and hasattr(m, "_next_block")):
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return ids, weights
    while m.is_active():  # whole posting blocks at a time: much faster than per id
        if m._i == 0 and not m._byteids:
            if m._data is None:
                m._read_data()
            n = len(ids)
            ids.extend(itertools.accumulate(m._data[0]))  # a block's ids are delta-encoded from 0
            w = m._data[1]
            if w is None or isinstance(w, float):
                weights.extend(itertools.repeat(1.0 if w is None else w, len(ids) - n))
            else:
                weights.extend(w)
        else:
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids[m._i:])
            weights.extend(m._weights[m._i:])
        m._next_block()
    return ids, weights


class _Block(NamedTuple):
    """One posting block of a gram in one segment, as its header describes it."""

    maxweight: float  # the highest bound in the block
    last: int  # its last (highest) document number, segment-local
    base: int  # the segment's first document number in the reader
    buf: bytes  # the term's posting bytes (shared by its blocks)
    start: int  # where the block's data starts in ``buf``
    end: int
    compressed: bool


def _gram_blocks(segreader, term: bytes, base: int) -> list[_Block] | None:
    """The posting blocks of a ``grams`` term in one segment, from their headers only (the
    ids and weights are decoded by :func:`_block_postings`, for the blocks that are needed).

    The term's postings are read with one call and the headers parsed from memory (Whoosh's
    matcher reads each header through a dozen small file reads).  None when they are kept
    otherwise (inlined in the term info, or another Whoosh's layout): the caller then reads
    them whole.
    """
    try:
        info = segreader.term_info("grams", term)
    except TermNotFound:
        return []
    try:
        if info.is_inlined():
            return None
        offset, length = info.extent()
        if isinstance(length, tuple):  # Whoosh reads the stored length back as a 1-tuple
            (length,) = length
        buf = segreader._terms._postfile.get(offset, length)
    except AttributeError:
        return None
    if buf[:4] != _BLOCKS_MAGIC:
        return None
    blocks: list[_Block] = []
    f = io.BytesIO(buf)
    pos = 4
    while pos < len(buf):
        (size,) = _INT.unpack_from(buf, pos)
        f.seek(pos + _INT.size)
        count, last, maxweight, comp, _mn, _mx = pickle.load(f)
        end = pos + _INT.size + abs(size)
        blocks.append(_Block(maxweight, last, base, buf, f.tell(), end, bool(comp)))
        if size < 0:  # the last block
            break
        pos = end
    return blocks


def _block_postings(block: _Block) -> tuple[Iterable[int], Sequence[float]]:
    """Segment-local document numbers and weights of one block."""
    data = block.buf[block.start:block.end]
    if block.compressed:
        data = zlib.decompress(data)
    deltas, weights, _values = pickle.loads(data)
    ids = list(itertools.accumulate(deltas))  # a block's ids are delta-encoded from 0
    if weights is None or isinstance(weights, float):
        weights = [1.0 if weights is None else weights] * len(ids)
    return ids, weights


# ---------------------------------------------------------------- the index


class SearchIndex:
    """The search index in directory ``path``.  Open with :meth:`open`.

    ``status`` is ``'ok'`` (opened and checked), ``'needs_rebuild'`` (missing,
    damaged or of an old format: an empty index now stands in its place and
    :meth:`rebuild` must be run from the database; ``problem`` says why), or
    ``'rebuilt'`` (after a successful :meth:`rebuild`).
    """

    def __init__(self, path: Path, *, lock_timeout: float = 10.0, batch_size: int = 500) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.status = "ok"
        self.problem: str | None = None
        self._write_lock = threading.Lock()
        self._state_lock = threading.RLock()
        self._ix: index.FileIndex | None = None
        self._dirname = ""
        self._reader = None
        self._origcol = None
        self._generation = -1
        self._catalog: dict[int, _Entry] | None = None
        self._docmid: list[int] = []
        self._middoc: dict[int, int] = {}
        self._reader_token = 0  # changes with every new reader
        self._by_doc: tuple[object, int, list[_Entry | None]] | None = None
        self._postings: dict[bytes, set[int]] = {}  # gram → document numbers, this reader
        self._postings_size = 0
        self._top_mid: list[int] | None = None  # prefix maximum of ``_docmid``, this reader

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, *, lock_timeout: float = 10.0, batch_size: int = 500,
             repair: bool = True) -> SearchIndex:
        """Open (or create) the index; never raises for a damaged index.

        With ``repair=False`` nothing on disk changes: a missing or damaged index is only
        reported (``status`` ``'needs_rebuild'``, no index to search), for a reader that
        leaves the repair to the library's own open (the command line's quick search).
        """
        self = cls(path, lock_timeout=lock_timeout, batch_size=batch_size)
        if not repair:
            problem = self._open_current() if self.path.is_dir() else "搜索索引不存在。"
            if problem is None:
                problem = self.check()
            if problem is not None:
                self._close_ix()
                self.status, self.problem = "needs_rebuild", problem
            return self
        self.path.mkdir(parents=True, exist_ok=True)
        problem = self._open_current()
        if problem is None:
            problem = self.check()
        if problem is not None:
            self._close_ix()
            self._replace_with_empty()
            self.status, self.problem = "needs_rebuild", problem
        self._cleanup_stale_dirs()
        return self

    def doc_count(self) -> int:
        """How many materials the index holds."""
        with self._state_lock:
            return self._ix.doc_count() if self._ix is not None else 0

    def _read_current(self) -> str | None:
        try:
            info = json.loads((self.path / _CURRENT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(info, dict) or info.get("format") != FORMAT_VERSION:
            return None
        name = info.get("dir")
        return name if isinstance(name, str) and name.startswith("ix-") else None

    def _open_current(self) -> str | None:
        """Open the Whoosh index named by CURRENT; return a problem message or None."""
        if not (self.path / _CURRENT).exists():
            return "搜索索引不存在，已新建空索引，需要重建。"
        name = self._read_current()
        if name is None:
            return "搜索索引的版本不符或记录文件已损坏，需要重建。"
        try:
            ix = _open_dir(str(self.path / name))
        except Exception as exc:  # noqa: BLE001 - any failure means a damaged index
            return f"搜索索引已损坏（{type(exc).__name__}），需要重建。"
        if set(ix.schema.names()) != set(_schema().names()):
            ix.close()
            return "搜索索引的结构已过时，需要重建。"
        self._ix, self._dirname = ix, name
        return None

    def _new_dirname(self) -> str:
        numbers = [int(p.name[3:9]) for p in self.path.glob("ix-*") if p.name[3:9].isdigit()]
        return f"ix-{max(numbers, default=0) + 1:06d}"

    def _swap_current(self, name: str) -> None:
        tmp = self.path / (_CURRENT + ".tmp")
        tmp.write_text(json.dumps({"dir": name, "format": FORMAT_VERSION}), encoding="utf-8")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / _CURRENT)

    def _replace_with_empty(self) -> None:
        """Atomically put an empty index in place of whatever is there."""
        name = self._new_dirname()
        tmp = self.path / (name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        _create_in(str(tmp), _schema()).close()
        os.replace(tmp, self.path / name)
        self._swap_current(name)
        with self._state_lock:
            self._install(_open_dir(str(self.path / name)), name, catalog={})

    def clear(self) -> None:
        """Replace the index by an empty one, atomically (then call :meth:`rebuild`)."""
        with self._write_lock:
            with self._state_lock:
                self._close_ix()
                self._replace_with_empty()
            self._cleanup_stale_dirs()
            self.status, self.problem = "needs_rebuild", "搜索索引已清空，需要重建。"

    def _cleanup_stale_dirs(self) -> None:
        for p in self.path.glob("ix-*"):
            if p.name != self._dirname:
                shutil.rmtree(p, ignore_errors=True)  # Windows: retried at next open

    def _install(self, ix: index.FileIndex, name: str, catalog: dict[int, _Entry] | None) -> None:
        """Make ``ix`` the live index (caller holds the state lock)."""
        self._close_ix()
        self._ix, self._dirname = ix, name
        self._catalog = catalog
        self._refresh_reader()

    def _close_ix(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def close(self) -> None:
        """Release files (the index stays on disk)."""
        with self._state_lock:
            self._close_ix()
            self._catalog = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reader state

    def _refresh_reader(self) -> None:
        assert self._ix is not None
        if self._reader is not None:
            self._reader.close()
        self._generation = self._ix.latest_generation()  # before: a later commit is seen
        self._reader = self._ix.reader()
        self._origcol = None
        docmid: list[int] = []
        for segreader, _base in self._reader.leaf_readers():
            if segreader.doc_count_all():
                docmid.extend(segreader.column_reader("mid"))
        self._docmid = docmid
        live = self._reader.all_doc_ids()
        self._middoc = {docmid[d]: d for d in live}
        self._reader_token += 1
        self._by_doc = None
        self._postings, self._postings_size = {}, 0
        self._top_mid = None

    def _sync(self) -> None:
        """Follow commits or a rebuild made by another process (state lock held)."""
        name = self._read_current()
        if name is not None and name != self._dirname:
            self._install(_open_dir(str(self.path / name)), name, catalog=None)
        elif self._ix is not None and self._ix.latest_generation() != self._generation:
            self._refresh_reader()
            self._catalog = None

    def _ensure_catalog(self) -> dict[int, _Entry]:
        if self._catalog is None:
            catalog: dict[int, _Entry] = {}
            assert self._reader is not None
            for _docnum, stored in self._reader.iter_docs():
                data = stored["data"]
                catalog[self._docmid[_docnum]] = _Entry.from_stored(data)
            self._catalog = catalog
        return self._catalog

    def _entries_by_doc(self, catalog: dict[int, _Entry]) -> list[_Entry | None]:
        """The catalog entry of each live document number (None for deleted ones)."""
        cached = self._by_doc
        if cached is not None and cached[0] is catalog and cached[1] == self._reader_token:
            return cached[2]
        entries: list[_Entry | None] = [None] * len(self._docmid)
        get = catalog.get
        for mid, d in self._middoc.items():
            entries[d] = get(mid)
        self._by_doc = (catalog, self._reader_token, entries)
        return entries

    def _gram_docs(self, tb: bytes, leaves) -> set[int]:
        """The document numbers (whole index, deleted documents included) of a gram, kept for
        this reader (up to a budget)."""
        found = self._postings.get(tb)
        if found is None:
            found = set()
            for seg, base in leaves:
                ids = _segment_ids(seg, tb)
                found.update(map(base.__add__, ids) if base else ids)
            while self._postings and self._postings_size + len(found) > _POSTINGS_BUDGET:
                self._postings_size -= len(self._postings.pop(next(iter(self._postings))))
            if len(found) <= _POSTINGS_BUDGET:
                self._postings[tb] = found
                self._postings_size += len(found)
        return found

    def warm(self) -> None:
        """Load the in-memory catalog now (it is otherwise loaded by the first search)."""
        with self._state_lock:
            self._sync()
            self._ensure_catalog()

    # ------------------------------------------------------------ checks

    def check(self) -> str | None:
        """Read every segment's postings, columns and stored fields; None when healthy."""
        with self._state_lock:
            if self._ix is None:
                return "搜索索引未打开。"
            try:
                reader = self._ix.reader()
                try:
                    for segreader, _base in reader.leaf_readers():
                        n = segreader.doc_count_all()
                        if not n:
                            continue
                        col = segreader.column_reader("mid")
                        vcol = segreader.column_reader("version")
                        for docnum in {0, n // 2, n - 1} if n else ():
                            col[docnum], vcol[docnum]
                            data = segreader.stored_fields(docnum)
                            if "data" not in data:
                                return "搜索索引的存储内容不完整，需要重建。"
                            _Entry.from_stored(data["data"])
                            segreader.column_reader("orig")[docnum]
                        # a sample of the postings: enough to find a missing or cut file, cheap
                        # enough for every open (reading 5,000 terms cost 0.2 s a command)
                        for k, term in enumerate(segreader.lexicon("grams")):
                            if k % 50 == 0:
                                _segment_ids(segreader, term)
                            if k >= 250:
                                break
                finally:
                    reader.close()
            except Exception as exc:  # noqa: BLE001 - any failure means damage
                return f"搜索索引已损坏（{type(exc).__name__}: {exc}），需要重建。"
        return None

    # ------------------------------------------------------------ writing

    def _writer(self, ix: index.FileIndex):
        try:
            writer = ix.writer(timeout=self.lock_timeout, delay=0.1, codec=_GramCodec())
        except LockError as exc:
            raise IndexBusyError("搜索索引正被另一个程序写入，请稍后再试。") from exc
        writer.pool = _GramPool(writer.pool)
        return writer

    def update(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace materials (by ``material_id``); commits every ``batch_size``.

        Returns the number of documents written.
        """
        written = 0
        with self._write_lock:
            batch: list[IndexDoc] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= self.batch_size:
                    written += self._commit_batch(batch, [])
                    batch = []
            if batch:
                written += self._commit_batch(batch, [])
        return written

    def delete(self, ids: Iterable[int]) -> int:
        """Remove materials from the index; returns how many ids were given."""
        ids = [int(i) for i in ids]
        with self._write_lock:
            for k in range(0, len(ids), self.batch_size):
                self._commit_batch([], ids[k:k + self.batch_size])
        return len(ids)

    def _commit_batch(self, docs: list[IndexDoc], delete_ids: list[int]) -> int:
        latest = {int(doc.material_id): doc for doc in docs}  # last one wins
        prepared = [(doc, *_prepare(doc)) for doc in latest.values()]
        with self._state_lock:
            self._sync()
            catalog = self._catalog  # None: not loaded yet, the next search loads it
            assert self._ix is not None
            expected = self._ix.latest_generation() + 1
            writer = self._writer(self._ix)
            try:
                for mid in delete_ids:
                    writer.delete_by_term("mid", mid)
                for doc, entry, orig in prepared:
                    writer.update_document(**_fields_for(doc, entry, orig))
                    writer.pool.add_doc(writer.docnum - 1, gram_bounds(entry.folded))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            if catalog is not None:
                for mid in delete_ids:
                    catalog.pop(mid, None)
                for doc, entry, _orig in prepared:
                    catalog[int(doc.material_id)] = entry
            self._refresh_reader()
            if self._generation != expected:  # another process committed meanwhile
                self._catalog = None
        return len(prepared)

    def rebuild(self, docs: Iterable[IndexDoc], total: int = 0,
                progress: Progress | None = None, *, procs: int = 1) -> int:
        """Index ``docs`` from scratch in a new directory, then swap it in atomically.

        ``procs`` is accepted for older callers and ignored: one process writes the
        gram postings a block at a time, faster than Whoosh's two-process writer was.

        ``progress.update(done, total, message)`` is called every 100
        documents and ``progress.check_cancelled()`` between documents; on
        :class:`~civdesk.progress.Cancelled` the old index stays untouched.
        Searches keep using the old index until the swap.  Returns the count.
        """
        with self._write_lock:
            name = self._new_dirname()
            tmp = self.path / (name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            new_ix = _create_in(str(tmp), _schema())
            old_lock = self._hold_old_lock()
            try:
                catalog = self._build(new_ix, docs, total, progress)
                new_ix.close()
                os.replace(tmp, self.path / name)
                self._swap_current(name)
                with self._state_lock:
                    self._install(_open_dir(str(self.path / name)), name, catalog)
            except BaseException:
                new_ix.close()
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            finally:
                if old_lock is not None:
                    old_lock.release()
            self._cleanup_stale_dirs()
            self.status, self.problem = "rebuilt", None
        return len(catalog)

    def _hold_old_lock(self):
        """Keep other processes from writing the old index while we rebuild."""
        with self._state_lock:
            if self._ix is None:
                return None
            lock = self._ix.storage.lock(self._ix.indexname + "_WRITELOCK")
        if not try_for(lock.acquire, self.lock_timeout, 0.1):
            raise IndexBusyError("搜索索引正被另一个程序写入，请稍后再试。")
        return lock

    def _build(self, ix: index.FileIndex, docs: Iterable[IndexDoc], total: int,
               progress: Progress | None) -> dict[int, _Entry]:
        writer = self._writer(ix)
        catalog: dict[int, _Entry] = {}
        done = 0
        try:
            for doc in docs:
                if progress is not None:
                    progress.check_cancelled()
                entry, orig = _prepare(doc)
                mid = int(doc.material_id)
                if mid in catalog:
                    raise ValueError(f"material {mid} appears twice in the rebuild")
                writer.add_document(**_fields_for(doc, entry, orig))
                writer.pool.add_doc(writer.docnum - 1, gram_bounds(entry.folded))
                catalog[mid] = entry
                done += 1
                if progress is not None and done % 100 == 0:
                    progress.update(done, total, "正在重建搜索索引")
            if progress is not None:
                progress.update(done, total, "正在写入搜索索引")
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        if progress is not None:
            progress.update(done, total, "搜索索引重建完成")
        return catalog

    # ------------------------------------------------------------ reading

    def indexed_versions(self) -> dict[int, int]:
        """``{material_id: version}`` of everything in the index."""
        with self._state_lock:
            self._sync()
            if self._catalog is not None:
                return {mid: e.version for mid, e in self._catalog.items()}
            assert self._reader is not None
            out: dict[int, int] = {}
            for segreader, base in self._reader.leaf_readers():
                if not segreader.doc_count_all():
                    continue
                vcol = segreader.column_reader("version")
                for d in segreader.all_doc_ids():
                    out[self._docmid[base + d]] = vcol[d]
            return out

    def __len__(self) -> int:
        with self._state_lock:
            self._sync()
            return len(self._ensure_catalog())

    def search(
        self,
        query: str,
        *,
        kind: str | Sequence[str] | None = None,
        unit: str | Sequence[str] | None = None,
        year: int | Sequence[int] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        standards: str | Sequence[str] | None = None,
        filed: bool | None = None,
        limit: int | None = 20,
        snippets: bool = True,
    ) -> list[Hit]:
        """Materials matching ``query`` and the filters, best first.

        Filters: ``kind``/``unit``/``year`` (one value or several), a date
        range (inclusive; materials without a date fail it), ``standards``
        (a code or list of codes; ``Ⅲ-5`` also matches ``Ⅲ-5:1``), ``filed``.
        ``limit`` None or 0 returns every match.  ``snippets=False`` skips
        reading original texts (snippet, title and name ``''``, spans ``()``).
        An empty query with no filters returns nothing.
        """
        parsed = parse_query(query)
        filt = _Filter.make(kind, unit, year, date_from, date_to, standards, filed)
        if parsed.is_empty and filt.is_empty:
            return []
        with self._state_lock:
            self._sync()
            catalog = self._ensure_catalog()
            scored = self._score(parsed, filt, self._entries_by_doc(catalog), limit)
            # (-score, -mid): best first, newer first among equals
            top = heapq.nsmallest(limit, scored) if limit else sorted(scored)
            return [self._hit(-nmid, -nscore, parsed.include, catalog[-nmid], snippets)
                    for nscore, nmid in top]

    def _candidates(self, word: str, within: Collection[int] | None) -> Collection[int] | None:
        """Document numbers that may contain ``word`` (a superset of those that do, within
        ``within``), or None for "all".

        A one-character word has no bigram; checking each material's folded
        text in memory costs about what reading a unigram posting list of
        most of the index would (and halves the postings written).
        """
        assert self._reader is not None
        if len(word) == 1:
            return within  # one character: every material is checked in memory
        leaves = list(self._reader.leaf_readers())
        keyed = self._grams_rarest_first(word, leaves)
        if not keyed:
            return set()
        result = within
        for k, (_df, tb) in enumerate(keyed):
            if k > 0 and result is not None and len(result) <= 200:
                break  # few enough: checking the text is cheaper than more postings
            ids = self._gram_docs(tb, leaves)
            result = ids if result is None else result & ids
            if not result:
                break
        return result

    def _grams_rarest_first(self, word: str, leaves: list) -> list[tuple[int, bytes]]:
        """``(document frequency, gram)`` of each distinct bigram of ``word``, rarest first;
        empty when one of them is in no document (nothing can match)."""
        keyed = []
        for gram in dict.fromkeys(word[i:i + 2] for i in range(len(word) - 1)):
            tb = gram.encode("utf-8")
            cached = self._postings.get(tb)
            df = len(cached) if cached is not None else sum(seg.doc_frequency("grams", tb) for seg, _ in leaves)
            if df == 0:
                return []
            keyed.append((df, tb))
        return sorted(keyed)

    def _score(self, parsed: ParsedQuery, filt: _Filter, entries: list[_Entry | None],
               limit: int | None = None) -> list[tuple[float, int]]:
        """``(-score, -material id)`` of every match, or of at least the best ``limit``
        (exact either way: each candidate's text is checked)."""
        cands: Collection[int] | None = None
        include, exclude = parsed.include, parsed.exclude
        accepts = None if filt.is_empty else filt.accepts
        if limit and len(include) == 1 and len(include[0]) > 1:
            found = self._best_by_blocks(include[0], entries, accepts, exclude, limit)
            if found is not None:
                return found
        for word in sorted(include, key=len, reverse=True):
            cands = self._candidates(word, cands)
            if cands is not None and not cands:
                return []
        pool: Iterable[int] = range(len(entries)) if cands is None else cands
        out: list[tuple[float, int]] = []
        docmid = self._docmid
        append = out.append
        if len(include) == 1 and not exclude and accepts is None:  # the usual query: one word
            word = include[0]
            for d in pool:
                entry = entries[d]
                if entry is None:
                    continue
                folded = entry.folded
                body = entry.bounds[5]
                n = folded.count(word, body)
                if body > 5 and folded.find(word, 0, body) >= 0:
                    append((-_word_score(entry, word), -docmid[d]))
                elif n:
                    append((-float(min(n, BODY_CAP)), -docmid[d]))
            return out
        for d in pool:
            entry = entries[d]
            if entry is None or (accepts is not None and not accepts(entry)):
                continue
            folded = entry.folded
            if exclude and any(x in folded for x in exclude):
                continue
            score = 0.0
            for word in include:
                s = _word_score(entry, word)
                if s <= 0.0:
                    break
                score += s
            else:
                append((-score, -docmid[d]))
        return out

    def _best_by_blocks(self, word: str, entries: list[_Entry | None], accepts: Callable | None,
                        exclude: tuple[str, ...], limit: int) -> list[tuple[float, int]] | None:
        """The best ``limit`` matches of one word (of two characters or more), reading only
        the posting blocks of its rarest gram that can hold one of them.

        Each block's header carries the highest bound in it, and the prefix maximum of
        material ids up to its last document bounds the ids in it; blocks are read in the
        order of those (bound, id) keys, and once ``limit`` matches are known, a block whose
        key ranks below the worst of them (and every block after it) is left unread.  A
        common gram (a word in most titles) thus costs a few blocks, not its whole list.
        None when the postings cannot be read block by block (the caller reads them whole).
        """
        assert self._reader is not None
        leaves = list(self._reader.leaf_readers())
        keyed = self._grams_rarest_first(word, leaves)
        if not keyed:
            return []
        rarest = keyed[0][1]
        blocks: list[_Block] = []
        for seg, base in leaves:
            found = _gram_blocks(seg, rarest, base)
            if found is None:
                return None
            blocks.extend(found)
        top_mid = self._prefix_max_mid()
        keyed = sorted(((b.maxweight, top_mid[b.base + b.last], k) for k, b in enumerate(blocks)), reverse=True)
        docmid = self._docmid
        best: list[tuple[float, int]] = []  # (score, mid), worst first
        for bound, most, k in keyed:
            if len(best) >= limit and (bound, most) < best[0]:
                break
            ids, weights = _block_postings(blocks[k])
            base = blocks[k].base
            for d, w in zip(ids, weights):
                if len(best) >= limit and w < best[0][0]:
                    continue
                d += base
                mid = docmid[d]
                if len(best) >= limit and (w, mid) < best[0]:
                    continue
                entry = entries[d]
                if entry is None or (accepts is not None and not accepts(entry)):
                    continue
                if exclude and any(x in entry.folded for x in exclude):
                    continue
                score = _word_score(entry, word)
                if score <= 0.0:
                    continue
                if len(best) < limit:
                    heapq.heappush(best, (score, mid))
                elif (score, mid) > best[0]:
                    heapq.heapreplace(best, (score, mid))
        return [(-score, -mid) for score, mid in best]

    def _prefix_max_mid(self) -> list[int]:
        """For each document number, the highest material id at or before it (kept per reader)."""
        if self._top_mid is None:
            self._top_mid = list(itertools.accumulate(self._docmid, max))
        return self._top_mid

    def _hit(self, mid: int, score: float, words: tuple[str, ...], entry: _Entry,
             snippets: bool) -> Hit:
        field, pos, word = _first_hit(entry, words)
        body_pos = _first_body_pos(entry, words)
        page = None
        if body_pos is not None and entry.page_starts:
            page = bisect.bisect_right(entry.page_starts, body_pos)
        if not snippets:
            return Hit(mid, score, "", (), page, field)
        originals = self._originals(mid)
        if originals is None:
            return Hit(mid, score, "", (), page, field)
        if field == "text" and body_pos is not None:
            snippet, spans = _body_snippet(entry, originals[5], words, body_pos)
        else:
            idx = FIELDS.index(field) if field else 0
            snippet, spans = _field_snippet(entry, idx, originals[idx], words, pos)
        return Hit(mid, score, snippet, spans, page, field, originals[0], originals[3])

    def _originals(self, mid: int) -> tuple | None:
        docnum = self._middoc.get(mid)
        if docnum is None or self._reader is None:
            return None
        if self._origcol is None:
            self._origcol = self._reader.column_reader("orig")
        return self._origcol[docnum]


# ---------------------------------------------------------------- filters


def _as_set(value, conv: Callable = str) -> frozenset | None:
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return frozenset([conv(value)])
    return frozenset(conv(v) for v in value)


@dataclass(frozen=True)
class _Filter:
    kinds: frozenset | None
    units: frozenset | None
    years: frozenset | None
    date_from: str
    date_to: str
    standards: frozenset | None
    filed: bool | None

    @classmethod
    def make(cls, kind, unit, year, date_from, date_to, standards, filed) -> _Filter:
        stds = None
        if standards is not None:
            codes = [standards] if isinstance(standards, str) else list(standards)
            stds = frozenset(fold(c) for c in codes)
        return cls(_as_set(kind), _as_set(unit), _as_set(year, int),
                   date_from.isoformat() if date_from else "",
                   date_to.isoformat() if date_to else "", stds, filed)

    @property
    def is_empty(self) -> bool:
        return (self.kinds is None and self.units is None and self.years is None
                and not self.date_from and not self.date_to and self.standards is None
                and self.filed is None)

    def accepts(self, e: _Entry) -> bool:
        if self.kinds is not None and e.kind not in self.kinds:
            return False
        if self.units is not None and e.unit not in self.units:
            return False
        if self.years is not None and e.year not in self.years:
            return False
        if self.date_from and (not e.date or e.date < self.date_from):
            return False
        if self.date_to and (not e.date or e.date > self.date_to):
            return False
        if self.standards is not None and self.standards.isdisjoint(e.standards):
            return False
        return self.filed is None or e.filed == self.filed


# ---------------------------------------------------------------- scoring & snippets


def gram_bounds(folded: str) -> dict[str, float]:
    """Each distinct bigram of a folded text (fields joined by ``FIELD_SEP``), with the most
    any word containing it can score in that text (see :func:`_word_score`): its weighted
    occurrences in the short fields plus its body occurrences, capped as body scores are.
    (A word occurs no more often than any of its bigrams.)
    """
    parts = folded.split(FIELD_SEP)
    body = parts[-1]
    out = {g: float(min(n, BODY_CAP)) for g, n in Counter(map(str.__add__, body, body[1:])).items()}
    for name, part in zip(FIELDS, parts[:-1]):
        if len(part) > 1:
            weight = WEIGHTS[name]
            for g, n in Counter(map(str.__add__, part, part[1:])).items():
                out[g] = out.get(g, 0.0) + weight * n
    return {g: (b if b < _EXACT_F32 else math.inf) for g, b in out.items()}


def _word_score(entry: _Entry, word: str) -> float:
    """Weighted occurrences of ``word`` (0 when absent)."""
    folded, bounds = entry.folded, entry.bounds
    body = bounds[5]
    n_body = folded.count(word, body)
    n_small = folded.count(word, 0, body) if body > 5 else 0
    if not n_small:
        return float(min(n_body, BODY_CAP))
    score = float(min(n_body, BODY_CAP))
    for i in range(5):
        end = bounds[i + 1] - 1
        if end > bounds[i]:
            c = folded.count(word, bounds[i], end)
            if c:
                score += WEIGHTS[FIELDS[i]] * c
    return score


def _first_hit(entry: _Entry, words: tuple[str, ...]) -> tuple[str, int, str]:
    """(field, position in folded text, word) of the best field's first hit."""
    folded, bounds = entry.folded, entry.bounds
    for i, name in enumerate(FIELDS):
        end = bounds[i + 1] - 1 if i + 1 < len(bounds) else len(folded)
        best = None
        for w in words:
            p = folded.find(w, bounds[i], end)
            if p >= 0 and (best is None or p < best[0]):
                best = (p, w)
        if best is not None:
            return name, best[0], best[1]
    return "", 0, ""


def _first_body_pos(entry: _Entry, words: tuple[str, ...]) -> int | None:
    """Position (in body coordinates) of the earliest body occurrence of any word."""
    start = entry.bounds[5]
    positions = [p for p in (entry.folded.find(w, start) for w in words) if p >= 0]
    return min(positions) - start if positions else None


def _occurrences(text: str, words: tuple[str, ...], a: int, b: int) -> list[tuple[int, int]]:
    """Merged spans of all word occurrences overlapping [a, b) in ``text``."""
    spans: list[tuple[int, int]] = []
    for w in words:
        p = text.find(w, max(0, a - len(w) + 1), b + len(w) - 1)
        while p >= 0 and p < b:
            spans.append((p, p + len(w)))
            p = text.find(w, p + 1, b + len(w) - 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _display(orig: str, a: int, b: int) -> tuple[str, list[int]]:
    """``orig[a:b]`` tidied for display, and orig index → display index (len b-a+1).

    A line break between CJK characters (PDF wrapping) disappears; other
    whitespace runs become one space; control characters are dropped.
    """
    if _PLAIN.fullmatch(orig, a, b):  # no whitespace, no control characters: shown as it is
        return orig[a:b], list(range(b - a + 1))
    out: list[str] = []
    where = [0] * (b - a + 1)
    i = a
    while i < b:
        ch = orig[i]
        if ch.isspace():
            j = i
            while j < b and orig[j].isspace():
                j += 1
            run = orig[i:j]
            wrapped = ("\n" in run or "\r" in run) and (
                (out and is_cjk(out[-1])) or (j < b and is_cjk(orig[j])))
            for k in range(i, j):
                where[k - a] = len(out)
            if out and j < b and not wrapped:
                out.append(" ")
            i = j
            continue
        where[i - a] = len(out)
        if ord(ch) >= 32 or ch == "\t":
            out.append(ch)
        i += 1
    where[b - a] = len(out)
    return "".join(out), where


def _snippet_from(orig: str, folded: str, starts: list[int], ends: list[int],
                  words: tuple[str, ...], ws: int, we: int, *, more_before: bool | None = None,
                  more_after: bool | None = None) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Snippet of ``orig`` covering folded window [ws, we), with spans of ``words``.

    It starts (ends) with "…" when ``folded`` goes on before (after) the window, or as
    ``more_before`` (``more_after``) says when given.
    """
    ws, we = max(0, ws), min(len(folded), we)
    if we <= ws:
        return "", ()
    a, b = starts[ws], ends[we - 1]
    text, where = _display(orig, a, b)
    prefix = "…" if (ws > 0 if more_before is None else more_before) else ""
    suffix = "…" if (we < len(folded) if more_after is None else more_after) else ""
    spans = []
    for s, e in _occurrences(folded, words, ws, we):
        s, e = max(s, ws), min(e, we)
        ds = where[starts[s] - a] + len(prefix)
        de = where[ends[e - 1] - a] + len(prefix)
        if de > ds:
            spans.append((ds, de))
    return prefix + text + suffix, tuple(spans)


def _field_snippet(entry: _Entry, idx: int, orig: str, words: tuple[str, ...],
                   pos: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    folded, starts, ends = fold_with_map(orig)
    rel = max(0, pos - entry.bounds[idx])
    if len(folded) <= _SHORT_FIELD:
        ws, we = 0, len(folded)
    else:
        ws, we = rel - _SNIPPET_BEFORE, rel + _SNIPPET_AFTER
    return _snippet_from(orig, folded, starts, ends, words, ws, we)


def _body_snippet(entry: _Entry, pages: tuple[str, ...], words: tuple[str, ...],
                  pos: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Snippet around body position ``pos``, folding only the pages it spans."""
    body_start = entry.bounds[5]
    body_len = len(entry.folded) - body_start
    ws, we = max(0, pos - _SNIPPET_BEFORE), min(body_len, pos + _SNIPPET_AFTER)
    ps = entry.page_starts
    first = max(0, bisect.bisect_right(ps, ws) - 1)
    last = max(first, bisect.bisect_right(ps, max(ws, we - 1)) - 1)
    if first == last and first < len(pages):
        start = ps[first] if ps else 0
        page_len = (ps[first + 1] if first + 1 < len(ps) else body_len) - start
        found = _page_window_snippet(entry, pages[first], words, ws, we, start, page_len, body_len)
        if found is not None:
            return found
    orig = "\n".join(pages[first:last + 1])
    folded, starts, ends = fold_with_map(orig)
    offset = ps[first] if ps else 0
    expected = entry.folded[body_start + offset: body_start + offset + len(folded)]
    if folded != expected:  # should not happen; fall back to the folded text
        text = entry.folded[body_start:]
        return _snippet_from(text, text, list(range(len(text))), list(range(1, len(text) + 1)),
                             words, ws, we)
    snippet, spans = _snippet_from(orig, folded, starts, ends, words, ws - offset, we - offset)
    if ws > 0 and not snippet.startswith("…"):
        snippet, spans = "…" + snippet, tuple((s + 1, e + 1) for s, e in spans)
    if we < body_len and not snippet.endswith("…"):
        snippet += "…"
    return snippet, spans


def _page_window_snippet(entry: _Entry, page: str, words: tuple[str, ...], ws: int, we: int,
                         offset: int, page_len: int,
                         body_len: int) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    """The snippet of body window [ws, we) from one page, folding only a stretch of it.

    Folding is local (a character's fold depends on its neighbours only), so the stretch
    of ``page`` around the window's estimated place folds, away from its ends, to the same
    text as the whole page.  The window's folded text is looked up in it; None (fold the
    whole page) unless it is found exactly once, clear of the stretch's ends.
    """
    body_start = entry.bounds[5]
    ratio = len(page) / max(1, page_len)
    ws_rel, we_rel = ws - offset, we - offset
    expected = entry.folded[body_start + ws:body_start + we]
    longest = max(map(len, words), default=0)
    margin = 8 + longest
    for drift in (0.04, 0.25):  # how far folding may have moved the window (a second, wider try)
        pad = 24 + margin + int(drift * ws_rel * ratio)
        a0 = max(0, int(ws_rel * ratio) - pad)
        b0 = min(len(page), int(we_rel * ratio) + pad)
        if a0 == 0 and b0 == len(page):
            return None  # the whole page anyway
        folded, starts, ends = fold_with_map(page[a0:b0])
        o = folded.find(expected)
        if o < 0 or folded.find(expected, o + 1) >= 0:
            continue
        if (a0 > 0 and o < margin) or (b0 < len(page) and len(folded) - (o + len(expected)) < margin):
            continue
        return _snippet_from(page[a0:b0], folded, starts, ends, words, o, o + len(expected),
                             more_before=ws > 0, more_after=we < body_len)
    return None
