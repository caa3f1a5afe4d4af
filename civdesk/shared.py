"""A shared library: the catalog on an office PostgreSQL server, the vault on a network share.

Every clerk's PC keeps a small local folder (``--library DIR``) that only points at them::

    shared-library.json   {"database": "postgresql://clerk@server/civdesk", "vault": "//nas/civdesk"}
    index/                this workstation's own search index (catches up from the catalog)
    exports/              packages written on this workstation

The shared folder (``--vault PATH``, a UNC path or a mounted share) holds ``vault/`` (the
originals, write-once) and ``thumbs/``.

No password is ever written to the folder or a log: a URL given with one is refused.  The
password comes from the OS keyring (service ``CivDesk``, user ``user@host:port``, when the
``keyring`` package is installed) or from libpq's password file (``PGPASSFILE`` or
``~/.pgpass``; ``%APPDATA%\\postgresql\\pgpass.conf`` on Windows).
"""
from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from civdesk.errors import LibraryError

POINTER_NAME = "shared-library.json"
KEYRING_SERVICE = "CivDesk"


@dataclass(frozen=True)
class SharedConfig:
    folder: Path
    database: str  # a URL without a password
    share: Path    # holds vault/ and thumbs/

    @property
    def vault_root(self) -> Path:
        return self.share / "vault"

    @property
    def thumbs_dir(self) -> Path:
        return self.share / "thumbs"


def is_shared(folder: Path | str) -> bool:
    return (Path(folder) / POINTER_NAME).is_file()


def check_url(url: str) -> str:
    """The URL as it may be stored: a PostgreSQL URL with no password in it."""
    from sqlalchemy.engine import make_url

    from civdesk.db import is_server_url

    if not is_server_url(url):
        raise LibraryError(f"数据库地址应以 postgresql:// 开头：{url}")
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError and ValueError
        raise LibraryError(f"数据库地址格式不对：{exc}") from exc
    if parsed.password:
        raise LibraryError("数据库地址中不能写密码（资料库文件夹和日志里不保存密码）。请把密码存入"
                           "本机的密码文件（.pgpass / pgpass.conf）或系统凭据管理器，再只用"
                           "“postgresql://用户名@服务器/数据库名”。")
    if not parsed.database:
        raise LibraryError(f"数据库地址中缺少数据库名：{url}")
    return url


def write_pointer(folder: Path, database: str, share: Path) -> SharedConfig:
    folder = Path(folder)
    check_url(database)
    folder.mkdir(parents=True, exist_ok=True)
    data = {"database": database, "vault": str(share)}
    tmp = folder / (POINTER_NAME + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, folder / POINTER_NAME)
    return SharedConfig(folder, database, Path(share))


def read_pointer(folder: Path) -> SharedConfig:
    folder = Path(folder)
    try:
        data = json.loads((folder / POINTER_NAME).read_text(encoding="utf-8"))
        return SharedConfig(folder, check_url(str(data["database"])), Path(data["vault"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LibraryError(f"共享资料库的指向文件无法读取：{folder / POINTER_NAME}（{exc}）") from exc


def connect_url(url: str) -> str:
    """The URL to connect with: the password added from the OS keyring when it holds one;
    otherwise libpq reads its password file itself."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        import keyring  # optional
    except ImportError:
        return url
    try:
        secret = keyring.get_password(KEYRING_SERVICE, f"{parsed.username}@{parsed.host}:{parsed.port or 5432}")
    except Exception:  # noqa: BLE001 - no usable keyring backend: fall back to the password file
        return url
    if not secret:
        return url
    return parsed.set(password=secret).render_as_string(hide_password=False)


def server_error(exc: BaseException, url: str) -> LibraryError:
    """A clerk's message for a server that cannot be reached or refuses the login."""
    from sqlalchemy.engine import make_url

    where = make_url(url)
    text = str(getattr(exc, "orig", exc) or exc)
    low = text.lower()
    if "password" in low or "authentication" in low:
        hint = ("服务器拒绝了登录：用户名或密码不对，或本机没有保存密码。请在本机的密码文件（.pgpass）"
                "或系统凭据管理器中保存此用户的密码。")
    elif "does not exist" in low:
        hint = f"服务器上没有数据库 {where.database}：请让管理员先建好（CREATE DATABASE）。"
    else:
        hint = "无法连接数据库服务器：请检查网络、服务器地址和端口，或联系管理员确认服务器已开启。"
    return LibraryError(f"{hint}\n（服务器 {where.host}:{where.port or 5432}，数据库 {where.database}，"
                        f"用户 {where.username}：{text.strip().splitlines()[0] if text.strip() else ''}）")


def clerk_name() -> str:
    """The clerk's name in the audit log and presence list: ``CIVDESK_CLERK`` or the OS user."""
    name = os.environ.get("CIVDESK_CLERK", "").strip()
    if name:
        return name[:100]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises various errors on odd systems
        return os.environ.get("USERNAME", "")


def workstation_name() -> str:
    return (os.environ.get("CIVDESK_WORKSTATION", "").strip() or socket.gethostname())[:200]
