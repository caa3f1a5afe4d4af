"""Fixtures shared by the core and UI tests."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests that are about the SQLite library folder itself: skipped with --backend=postgresql.
SQLITE_ONLY = {
    "test_library_damaged.py": "a damaged or unreadable SQLite file; a server has no such file",
    "test_migrations.py": "upgrades a SQLite library folder made by an old revision (the server's "
                          "migrations are tested in test_shared.py)",
    "test_search_quick.py": "the quick search reads the SQLite file directly",
    "test_import_crash.py": "kills an import holding the folder lock; the server's crash test is in test_shared.py",
}
SQLITE_ONLY_TESTS = {
    "test_create_makes_portable_folder": "the folder's own library.db and vault",
    "test_stray_temp_files_removed_at_open": "temporary files in the folder's own vault",
    "test_kill_mid_indexing_then_reopen_catches_up": "reads library.db directly",
}


def pytest_addoption(parser):
    parser.addoption("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                     help="where the libraries made by the core tests keep their catalog: a SQLite "
                          "file (default) or a throwaway PostgreSQL cluster (tests/pgcluster.py)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--backend") != "postgresql":
        return
    sources: dict[Path, bool] = {}
    for item in items:
        reason = SQLITE_ONLY.get(item.path.name) or SQLITE_ONLY_TESTS.get(item.originalname)
        if reason or item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason or 'the library folder itself'}"))
        elif not _uses_a_library(item.path, sources):
            # parsing, extraction, the search engine itself: no catalog, the same on both back ends
            item.add_marker(pytest.mark.skip(reason="no library catalog involved: run by the SQLite pass"))


def _uses_a_library(path: Path, cache: dict[Path, bool]) -> bool:
    if path not in cache:
        text = path.read_text(encoding="utf-8")
        cache[path] = any(w in text for w in ("Library", "_lib", "run_cli", "library", "pg_cluster"))
    return cache[path]


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory):
    """A throwaway PostgreSQL cluster with the migrated template database (skipped where
    PostgreSQL is not installed, failed under CIVDESK_REQUIRE_TOOLS=1)."""
    from tests.pgcluster import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CIVDESK_REQUIRE_TOOLS") == "1":
            pytest.fail("PostgreSQL is required here (CIVDESK_REQUIRE_TOOLS=1) but not installed")
        pytest.skip("PostgreSQL (initdb) not installed")
    cluster = Cluster(bindir)
    try:
        cluster.start()
        cluster.make_template()
        old = os.environ.get("PGPASSFILE")
        os.environ["PGPASSFILE"] = str(cluster.pgpass(cluster.root))
        yield cluster
    finally:
        cluster.stop()
        if "old" in locals():
            if old is None:
                os.environ.pop("PGPASSFILE", None)
            else:
                os.environ["PGPASSFILE"] = old


@pytest.fixture(autouse=True)
def _backend(request):
    """With ``--backend=postgresql`` every library a test creates in this process is a shared
    library on its own copy of the template database (no Alembic run per test).  test_shared.py
    makes its shared libraries itself, beside library folders."""
    if request.config.getoption("--backend") != "postgresql" or request.node.get_closest_marker("sqlite_only") \
            or request.node.path.name in SQLITE_ONLY or request.node.originalname in SQLITE_ONLY_TESTS \
            or request.node.path.name == "test_shared.py":
        yield
        return
    cluster = request.getfixturevalue("pg_cluster")
    monkeypatch = request.getfixturevalue("monkeypatch")
    from civdesk.library import Library

    made: list[str] = []
    real = Library.create.__func__

    def create(cls, path, *, sample=True, database=None, vault=None):
        if database is None:
            from tests.pgcluster import TEMPLATE, TEMPLATE_SAMPLE

            database = cluster.new_database(TEMPLATE_SAMPLE if sample else TEMPLATE)
            made.append(database)
            database = database.replace(f":{cluster.password}@", "@")  # the password comes from PGPASSFILE
            vault = Path(str(path).rstrip("/\\") + "-share")
        return real(cls, path, sample=sample, database=database, vault=vault)

    monkeypatch.setattr(Library, "create", classmethod(create))
    yield
    for url in made:
        cluster.drop_database(url)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Never touch the real user's settings or default library."""
    home = tmp_path_factory.mktemp("civdesk-home")
    monkeypatch.setenv("CIVDESK_HOME", str(home))
    monkeypatch.delenv("CIVDESK_LIBRARY", raising=False)
    yield


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"fixtures/ data not found beside the checkout: {FIXTURES}")
    return FIXTURES


@pytest.fixture
def empty_lib(tmp_path):
    from civdesk.library import Library

    lib = Library.create(tmp_path / "lib", sample=False)
    yield lib
    lib.close()


@pytest.fixture
def sample_lib(tmp_path):
    from civdesk.library import Library

    lib = Library.create(tmp_path / "lib")
    yield lib
    lib.close()


def needs_tool(name: str) -> str:
    """The path of an outside program a test needs (``soffice``, ``pdftoppm``, ``clamscan``).

    Where it is missing the test is skipped, except under ``CIVDESK_REQUIRE_TOOLS=1`` (set by
    ``.ci/run``, which installs them): there a missing tool fails the test instead of hiding it.
    """
    import shutil

    if name == "soffice":
        from civdesk.tools import find_soffice

        found = find_soffice()
        path = str(found) if found else None
    else:
        path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CIVDESK_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required here (CIVDESK_REQUIRE_TOOLS=1) but not installed")
    pytest.skip(f"{name} not installed")


def run_cli(*args: str, env: dict | None = None, timeout: float = 120):
    """Run ``python -m civdesk ARGS`` in a subprocess; returns CompletedProcess."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "civdesk", *args], capture_output=True,
                          text=True, encoding="utf-8", env=full_env, timeout=timeout, cwd=ROOT)


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux: read from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
