"""A throwaway PostgreSQL cluster for the tests (``--backend=postgresql``, the two-clerk tests).

``initdb`` refuses to run as root, so when the tests run as root the cluster belongs to the
unprivileged ``postgres`` user (Debian's package creates it).  The cluster lives in a fresh
temporary folder, listens only on a Unix socket in that folder and on a free port of
127.0.0.1, runs without durability (``fsync``, ``synchronous_commit``, ``full_page_writes``
off: nothing here must survive a power cut), and :meth:`stop` removes it all.

Two template databases hold the migrated schema, empty and with the sample checklist; each
test gets a copy (``CREATE DATABASE … TEMPLATE``) instead of running Alembic and loading the
sample again.  A background thread keeps a copy or two of each ready and drops the used ones,
so a test waits for neither (about 0.15 s each on a busy 2-core machine).
"""
from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

PG_BINDIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
TEMPLATE = "civdesk_tmpl"
TEMPLATE_SAMPLE = "civdesk_tmpl_sample"
READY = 2  # copies kept ready per template


def find_bindir() -> Path | None:
    env = os.environ.get("CIVDESK_PG_BINDIR")
    for d in ([env] if env else []) + list(PG_BINDIRS):
        if d and (Path(d) / "initdb").is_file():
            return Path(d)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="civdesk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "civdesk"
        self.password = "civdesk-test"
        self._as: list[str] = []
        self._counter = 0
        self._counter_lock = threading.Lock()
        self._ready: dict[str, queue.Queue[str]] = {}
        self._work: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
        self.started = False

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._as, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> Cluster:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self._as:
            shutil.chown(pwfile, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        opts = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=64MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                  "-o", opts, "-w", "start")
        self.started = True
        return self

    def stop(self) -> None:
        if self._worker is not None:
            self._work.put(None)
            self._worker.join(timeout=60)
            self._worker = None
        if self.started:
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.SubprocessError:
                pass
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ URLs
    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        auth = f"{self.user}:{self.password}" if password else self.user
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def pgpass(self, folder: Path) -> Path:
        """A ``.pgpass`` file for this cluster (what a clerk's PC would hold)."""
        p = Path(folder) / "pgpass"
        p.write_text(f"127.0.0.1:{self.port}:*:{self.user}:{self.password}\n", encoding="utf-8")
        p.chmod(0o600)
        return p

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                             dbname="postgres", autocommit=True) as con:
            con.execute(sql)

    def make_template(self, sample: bool = True) -> None:
        """Migrate the template database once (the schema every test's database copies), and
        make a second one holding the sample checklist too; then start the background copier."""
        from civdesk import db

        self._admin(f"CREATE DATABASE {TEMPLATE}")
        engine = db.make_engine(self.url(TEMPLATE))
        try:
            db.upgrade(engine, None)
        finally:
            engine.dispose()
        if sample:
            self._admin(f"CREATE DATABASE {TEMPLATE_SAMPLE} TEMPLATE {TEMPLATE}")
            from civdesk.library import Library

            folder = self.root / "sample-library"
            old = os.environ.get("PGPASSFILE")
            os.environ["PGPASSFILE"] = str(self.pgpass(self.root))
            try:
                Library.create(folder, sample=True, database=self.url(TEMPLATE_SAMPLE, password=False),
                               vault=self.root / "sample-share").close()
            finally:
                if old is None:
                    os.environ.pop("PGPASSFILE", None)
                else:
                    os.environ["PGPASSFILE"] = old
        self._worker = threading.Thread(target=self._copier, name="pg-copier", daemon=True)
        self._worker.start()

    def _name(self) -> str:
        with self._counter_lock:
            self._counter += 1
            return f"t_{os.getpid()}_{self._counter}"

    def _create(self, template: str | None) -> str:
        name = self._name()
        self._admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def _copier(self) -> None:
        """Background: keep copies of the templates ready, drop what the tests are done with."""
        while True:
            try:
                job = self._work.get(timeout=0.05)
            except queue.Empty:
                job = "fill"
            if job is None:
                return
            try:
                if job == "fill":
                    for template, ready in self._ready.items():
                        if ready.qsize() < READY:
                            ready.put(self._create(template))
                else:
                    self._drop(job)
            except Exception:  # noqa: BLE001 - the cluster is stopping; the test side reports errors
                time.sleep(0.1)

    def new_database(self, template: str | None = TEMPLATE) -> str:
        """A fresh database (a copy of a migrated template, or empty); returns its URL."""
        if template is None or self._worker is None:
            return self._create(template)
        ready = self._ready.setdefault(template, queue.Queue())
        try:
            return ready.get_nowait()
        except queue.Empty:
            return self._create(template)

    def drop_database(self, url: str) -> None:
        """Dropped in the background (the test does not wait)."""
        if self._worker is not None:
            self._work.put(url)
        else:
            self._drop(url)

    def _drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        for _ in range(50):
            try:
                self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                return
            except Exception:  # noqa: BLE001 - a connection still closing: try again
                time.sleep(0.05)
