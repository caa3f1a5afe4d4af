"""The window on a shared library: colleagues shown, their changes arriving, history, conflicts."""
from __future__ import annotations

import pytest

from civdesk import materials as mat
from civdesk.library import Library
from tests.ui.conftest import close_and_delete


@pytest.fixture
def shared(pg_cluster, tmp_path, monkeypatch):
    url = pg_cluster.new_database("civdesk_tmpl").replace(f":{pg_cluster.password}@", "@")
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    monkeypatch.setenv("CIVDESK_CLERK", "张三")
    monkeypatch.setenv("CIVDESK_WORKSTATION", "PC-1")
    mine = Library.open(tmp_path / "a")
    monkeypatch.setenv("CIVDESK_CLERK", "李四")
    monkeypatch.setenv("CIVDESK_WORKSTATION", "PC-2")
    colleague = Library.open(tmp_path / "b")
    monkeypatch.setenv("CIVDESK_CLERK", "张三")
    yield mine, colleague
    colleague.close()
    mine.close()
    pg_cluster.drop_database(url)


def _text(folder, name, body):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(body * 10, encoding="utf-8")
    return p


def test_window_shows_colleagues_their_imports_history_and_conflicts(qtbot, shared, tmp_path, answer_boxes):
    from civdesk_ui.main_window import MainWindow

    mine, colleague = shared
    win = MainWindow(mine)
    win.show()
    qtbot.waitExposed(win)
    try:
        assert win.watcher is not None and win.watcher.running
        win.watcher._timer.setInterval(200)
        qtbot.waitUntil(lambda: "李四（PC-2）" in win.presence_label.text(), timeout=10000)
        # the colleague's import reaches this workstation's own index within seconds, by the watcher
        with qtbot.waitSignal(win.watcher.changed, timeout=10000) as caught:
            colleague.import_paths([_text(tmp_path / "in", "通知.txt", "关于志愿服务活动的通知")])
        assert caught.args == [1]
        hits = mine.search_index.search("志愿服务", catch_up=False)
        mid = hits[0].material_id
        win.model.set_ids([mid])
        assert win.model.row(0).id == mid  # the row (and its edit version) as the clerk sees it
        mat.update(colleague, [mid], title="李四改的题名")
        shown, _ = answer_boxes
        win.edit_materials([mid], {"title": "张三改的题名"})
        assert shown and shown[-1][0] == "没有保存：别人已修改" and "李四（PC-2）" in shown[-1][1]
        assert mat.get_row(mine, mid).title == "李四改的题名"
        dialog_rows = [(e.clerk, e.workstation, e.description) for e in mat.history(mine, mid)]
        assert dialog_rows[-1] == ("李四", "PC-2", "修改：题名：通知 → 李四改的题名")
        from civdesk_ui.shared_ui import HistoryDialog

        dialog = HistoryDialog(mine, mid, win)
        assert dialog.table.rowCount() == len(dialog_rows)
        assert dialog.table.item(dialog.table.rowCount() - 1, 1).text() == "李四"
        dialog.deleteLater()
        colleague.close()
        qtbot.waitUntil(lambda: win.presence_label.text() == "只有您在用", timeout=10000)
    finally:
        close_and_delete(win)
    assert win.watcher is None
