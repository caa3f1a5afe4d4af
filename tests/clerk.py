"""One clerk's program, for the two-clerk tests: ``python -m tests.clerk ACTION LIBRARY …``.

The clerk's name and workstation come from ``CIVDESK_CLERK`` / ``CIVDESK_WORKSTATION``; the
server's password from ``PGPASSFILE``.  ``--wait FILE`` waits until FILE exists before the
write (so two processes start it together), ``--ready FILE`` is written once the library is
open and what the clerk edits has been read.  The result is one JSON line on stdout.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _wait(path: str | None) -> None:
    if path:
        deadline = time.monotonic() + 60
        while not Path(path).exists():
            if time.monotonic() > deadline:
                raise SystemExit("gave up waiting for " + path)
            time.sleep(0.02)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=("import", "edit"))
    p.add_argument("library")
    p.add_argument("paths", nargs="*")
    p.add_argument("--wait")
    p.add_argument("--ready")
    p.add_argument("--material", type=int)
    p.add_argument("--title")
    args = p.parse_args(argv)

    from civdesk import materials
    from civdesk.errors import LibraryError
    from civdesk.library import Library

    with Library.open(args.library) as lib:
        if args.action == "import":
            if args.ready:
                Path(args.ready).write_text("ready")
            _wait(args.wait)
            report = lib.import_paths([Path(x) for x in args.paths])
            print(json.dumps({"counts": report.counts,
                              "entries": [[e.path, e.status, e.material_id] for e in report.entries]}))
            return 0
        row = materials.get_row(lib, args.material)
        if args.ready:
            Path(args.ready).write_text("ready")
        _wait(args.wait)
        try:
            materials.update(lib, [args.material], expected={args.material: row.edit_version}, title=args.title)
        except LibraryError as exc:
            print(json.dumps({"conflict": str(exc), "clerk": getattr(exc, "clerk", None)}, ensure_ascii=False))
            return 3
        print(json.dumps({"saved": args.title}, ensure_ascii=False))
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
