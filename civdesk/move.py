"""Moving a library folder to an office server: ``civdesk library move-to-server``.

The catalog is copied table by table into an empty PostgreSQL database (same ids, so
every link, report and archive code stays as it was), the originals are copied into the
shared vault (each through a temporary name, renamed after its hash is verified), then
the copy is checked: the row count of every table, and the hash of every original read
back from the share.  Only then is a new local folder written that points at the server,
and the old folder marked as moved (``MOVED.json``): it stays intact, but CivDesk opens
it no more, so nobody keeps working on a copy the others cannot see.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from civdesk import db, shared
from civdesk.errors import LibraryError
from civdesk.models import Base, Material
from civdesk.progress import NullProgress, Progress
from civdesk.vault import Vault, hash_file

MOVED_NAME = "MOVED.json"
_SKIP = {"presence"}  # sessions of the old folder mean nothing on the server
CHUNK = 2000


@dataclass(frozen=True)
class MoveReport:
    new_library: str
    tables: dict[str, int]
    files: int
    bytes: int


def moved_to(folder: Path) -> dict | None:
    """What ``MOVED.json`` in a library folder says, or None."""
    p = Path(folder) / MOVED_NAME
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"database": "?", "new_library": "?"}


def move_to_server(old: Path, database: str, share: Path, new_library: Path,
                   progress: Progress | None = None) -> MoveReport:
    from civdesk.library import Library

    progress = progress or NullProgress()
    shared.check_url(database)
    old, share, new_library = Path(old), Path(share), Path(new_library)
    if shared.is_shared(old):
        raise LibraryError(f"这已经是服务器上的共享资料库：{old}")
    if new_library.exists() and any(new_library.iterdir()):
        raise LibraryError(f"新的资料库文件夹不是空的：{new_library}")
    try:  # the share's parent must be there (a mounted share, \\server\share): never made on the local disk
        share.mkdir(exist_ok=True)
        (share / "vault").mkdir(exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"无法访问原件库的共享文件夹 {share}：{exc.strerror or exc}") from exc
    with Library.open(old) as src:
        engine = db.make_engine(shared.connect_url(database))
        try:
            _require_empty(engine, database)
            db.upgrade(engine, None)
            counts = _copy_catalog(src.engine, engine, progress)
            files, size = _copy_vault(src, share, progress)
            _copy_thumbs(src.thumbs_dir, share / "thumbs")
            _verify(src.engine, engine, share, counts, progress)
        finally:
            engine.dispose()
        src_path = src.path
    shared.write_pointer(new_library, database, share)
    (new_library / "index").mkdir(exist_ok=True)
    (new_library / "exports").mkdir(exist_ok=True)
    (src_path / MOVED_NAME).write_text(json.dumps(
        {"database": database, "vault": str(share), "new_library": str(new_library.resolve()),
         "moved_at": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False, indent=2),
        encoding="utf-8")
    return MoveReport(str(new_library.resolve()), counts, files, size)


def _require_empty(engine, url: str) -> None:  # noqa: ANN001
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("materials"):
                return
            n = conn.execute(select(func.count()).select_from(Base.metadata.tables["checklists"])).scalar() + \
                conn.execute(select(func.count()).select_from(Base.metadata.tables["materials"])).scalar()
    except OperationalError as exc:
        raise shared.server_error(exc, url) from exc
    if n:
        raise LibraryError("服务器上的这个数据库已经有资料（测评体系或材料），不能迁入：请让管理员新建一个空数据库。")


def _copy_catalog(src_engine, dst_engine, progress: Progress) -> dict[str, int]:  # noqa: ANN001
    counts: dict[str, int] = {}
    tables = [t for t in Base.metadata.sorted_tables if t.name not in _SKIP]
    with src_engine.connect() as src, dst_engine.begin() as dst:
        for i, table in enumerate(tables):
            progress.check_cancelled()
            progress.update(i, len(tables), f"复制目录：{table.name}")
            n = 0
            rows = src.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            while chunk := rows.fetchmany(CHUNK):
                dst.execute(table.insert(), [dict(r) for r in chunk])
                n += len(chunk)
            counts[table.name] = n
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                                 f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
    return counts


def _copy_vault(src, share: Path, progress: Progress) -> tuple[int, int]:  # noqa: ANN001
    vault = Vault(share / "vault", session="move")
    vault.ensure()
    with src.session() as s:
        rows = s.execute(select(Material.sha256, Material.size, Material.original_name)).all()
    total = 0
    for i, (sha, size, name) in enumerate(rows):
        progress.check_cancelled()
        progress.update(i, len(rows), f"复制原件：{name}")
        p = src.vault.path_for(sha)
        if not p.is_file():
            raise LibraryError(f"原件缺失，迁移停止（请先运行 civdesk verify）：材料「{name}」{p}")
        vault.store_file(p, expected_sha256=sha)  # temporary name on the share, renamed after verifying
        total += size
    vault.remove_session_dirs()
    return len(rows), total


def _copy_thumbs(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)


def _verify(src_engine, dst_engine, share: Path, counts: dict[str, int], progress: Progress) -> None:  # noqa: ANN001
    with dst_engine.connect() as dst:
        for name, n in counts.items():
            got = dst.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar()
            if got != n:
                raise LibraryError(f"迁移校验失败：表 {name} 应有 {n} 行，服务器上有 {got} 行。旧资料库未改动。")
        shas = list(dst.execute(select(Material.sha256)).scalars())
    vault = Vault(share / "vault")
    for i, sha in enumerate(shas):
        progress.update(i, len(shas), "校验原件")
        p = vault.path_for(sha)
        if not p.is_file() or hash_file(p)[0] != sha:
            raise LibraryError(f"迁移校验失败：共享文件夹中的原件 {p} 与登记的校验值不符。旧资料库未改动。")
    progress.update(len(shas), len(shas), "校验完成")
