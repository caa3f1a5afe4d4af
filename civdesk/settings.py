"""Application settings kept outside any library (platformdirs).

Remembers the library last opened and the recent ones.  ``CIVDESK_HOME``
overrides the base folder (tests and portable installs use it).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from civdesk import APP_NAME


def _base(kind: str) -> Path:
    home = os.environ.get("CIVDESK_HOME")
    if home:
        return Path(home) / kind
    if kind == "config":
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return _base("config")


def default_library_path() -> Path:
    return _base("data") / "资料库"


@dataclass
class AppSettings:
    last_library: str = ""
    recent_libraries: list[str] = field(default_factory=list)
    window: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> AppSettings:
        path = config_dir() / "settings.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self) -> None:
        path = config_dir() / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def remember(self, library: Path) -> None:
        p = str(Path(library).resolve())
        self.last_library = p
        self.recent_libraries = [p] + [r for r in self.recent_libraries if r != p][:9]
        self.save()


def resolve_library(explicit: str | None) -> Path:
    """The library to use: the one given, else the last one, else the default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CIVDESK_LIBRARY")
    if env:
        return Path(env).expanduser()
    last = AppSettings.load().last_library
    return Path(last) if last else default_library_path()
