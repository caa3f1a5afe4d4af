"""Cancelling an import halfway keeps what is committed; a re-run completes the rest."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civdesk.importer import ImportOptions
from civdesk.models import ImportRun, Material
from civdesk.progress import Cancelled, NullProgress


class CancelAfter(NullProgress):
    def __init__(self, n: int):
        super().__init__()
        self.n = n
        self.calls = 0

    def update(self, done: int, total: int, message: str = "") -> None:
        super().update(done, total, message)
        self.calls += 1
        if self.calls == self.n:
            self.cancel()


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_halfway_then_rerun(empty_lib, tmp_path, workers):
    folder = tmp_path / "材料"
    folder.mkdir()
    for i in range(150):
        (folder / f"情况说明{i:03d}.txt").write_text(f"第{i}份材料：文明城市创建工作情况。" * 20,
                                                    encoding="utf-8")
    with pytest.raises(Cancelled) as info:
        empty_lib.import_paths([folder], ImportOptions(workers=workers), CancelAfter(100))
    assert "已取消" in str(info.value)
    with empty_lib.session() as s:
        kept = s.scalar(select(func.count()).select_from(Material))
        run = s.scalars(select(ImportRun)).one()
    assert 0 < kept < 150  # the batches already committed stay
    assert run.status == "cancelled"
    assert empty_lib.verify().ok
    assert not any(empty_lib.vault.staging.iterdir())  # nothing half-stored is left behind
    report = empty_lib.import_paths([folder], ImportOptions(workers=workers))
    assert report.counts == {"imported": 150 - kept, "duplicate": kept, "refused": 0}
    assert empty_lib.verify().ok
