"""A zip written in one forward pass: each entry's header already carries its CRC and sizes.

Python's :class:`zipfile.ZipFile` writes a header, the data, then seeks back to patch the
header, three seeks per entry; for thousands of small files that is a good part of an export.
Here an entry whose bytes are in memory is written header-then-data with nothing patched; only
a file too large to hold in memory is streamed and its header patched afterwards (same bytes
either way).  Entries are stored or deflated as :func:`.stable.zip_info` describes; ZIP64
records are added only where a size, an offset or the entry count needs them.  The bytes
depend only on the names, the data and the time, and :mod:`zipfile` reads them.
"""
from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from civdesk.export.stable import FILE_ATTR, UNIX, UTF8_FLAG, _dos_time

LIMIT = 0xFFFFFFFF  # sizes and offsets at or above this need ZIP64
COUNT_LIMIT = 0xFFFF
CHUNK = 1 << 20


class _Entry:
    __slots__ = ("name", "crc", "csize", "usize", "offset", "method", "zip64")

    def __init__(self, name: bytes, method: int, offset: int, zip64: bool):
        self.name, self.method, self.offset, self.zip64 = name, method, offset, zip64
        self.crc = self.csize = self.usize = 0


class ZipStream:
    """Writes entries to ``fp`` (opened for writing, seekable only for :meth:`add_stream`)."""

    def __init__(self, fp: BinaryIO, when: object):
        self.fp = fp
        self.time, self.date = _dos_stamp(when)
        self.entries: list[_Entry] = []
        self.pos = 0

    def add(self, name: str, data: bytes, *, compress: bool) -> None:
        usize, crc = len(data), zlib.crc32(data)
        if compress:
            c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            data = c.compress(data) + c.flush()
        entry = _Entry(name.encode("utf-8"), 8 if compress else 0, self.pos,
                       usize >= LIMIT or len(data) >= LIMIT)
        entry.crc, entry.usize, entry.csize = crc, usize, len(data)
        self._write(self._local_header(entry))
        self._write(data)
        self.entries.append(entry)

    def add_stream(self, name: str, src: BinaryIO, size: int, on_chunk=None) -> None:  # noqa: ANN001
        """A stored entry copied from ``src`` (``size`` bytes); ``on_chunk`` sees every chunk."""
        entry = _Entry(name.encode("utf-8"), 0, self.pos, size >= LIMIT)
        entry.usize = entry.csize = size
        header = self._local_header(entry)
        self._write(header)
        crc, done = 0, 0
        while chunk := src.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
            done += len(chunk)
            if on_chunk:
                on_chunk(chunk)
            self._write(chunk)
        if done != size:
            raise OSError(f"文件大小在读取时发生变化：{name}")
        entry.crc = crc
        end = self.pos
        self.fp.seek(entry.offset)
        self.fp.write(self._local_header(entry))
        self.fp.seek(end)
        self.entries.append(entry)

    def close(self) -> None:
        start = self.pos
        for e in self.entries:
            self._write(self._central(e))
        size = self.pos - start
        count = len(self.entries)
        if count >= COUNT_LIMIT or start >= LIMIT or size >= LIMIT:
            end64 = self.pos
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, COUNT_LIMIT),
                                min(count, COUNT_LIMIT), min(size, LIMIT), min(start, LIMIT), 0))

    def _write(self, data: bytes) -> None:
        self.fp.write(data)
        self.pos += len(data)

    def _local_header(self, e: _Entry) -> bytes:
        extra = struct.pack("<HHQQ", 1, 16, e.usize, e.csize) if e.zip64 else b""
        sizes = (LIMIT, LIMIT) if e.zip64 else (e.csize, e.usize)
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if e.zip64 else 20, UTF8_FLAG, e.method,
                           self.time, self.date, e.crc, *sizes, len(e.name), len(extra)) + e.name + extra

    def _central(self, e: _Entry) -> bytes:
        fields, usize, csize, offset = [], e.usize, e.csize, e.offset
        if e.zip64 or usize >= LIMIT:
            fields.append(usize)
            usize = LIMIT
        if e.zip64 or csize >= LIMIT:
            fields.append(csize)
            csize = LIMIT
        if offset >= LIMIT:
            fields.append(offset)
            offset = LIMIT
        extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
        version = 45 if extra else 20
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, UNIX << 8 | version, version, UTF8_FLAG,
                           e.method, self.time, self.date, e.crc, csize, usize, len(e.name), len(extra),
                           0, 0, 0, FILE_ATTR, offset) + e.name + extra


def _dos_stamp(when) -> tuple[int, int]:  # noqa: ANN001
    y, mo, d, h, mi, s = _dos_time(when)
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d
