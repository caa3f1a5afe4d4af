"""The checks read the head of each report's text: the same on both back ends."""
from __future__ import annotations

from civdesk import text_keys
from civdesk.checks import data
from tests.core.checks_helpers import add_doc


def test_the_text_head_is_the_first_characters_of_the_first_pages(sample_lib):
    chinese = add_doc(sample_lib, "Ⅲ-5:1", text="甲" * 3500 + "乙" * 501)  # 12,003 bytes: cut by the server
    latin = add_doc(sample_lib, "Ⅲ-5:1", text="a" * 2999 + "bc" + "d" * 6000)  # 9,001 bytes: cut here
    short = add_doc(sample_lib, "Ⅲ-5:1", text="文明城市创建工作情况说明" * 10)
    photo_like = add_doc(sample_lib, "Ⅲ-5:1", text="不读", text_status="none")
    notice = add_doc(sample_lib, "Ⅲ-5:1", category="正式发文", text="关于开展文明城市创建工作的通知" * 10)
    from civdesk.checklist.store import get_checklist

    checklist = get_checklist(sample_lib).id
    with sample_lib.session() as s:
        rows = data.load_materials(s, checklist)
        texts = data.load_texts(s, rows)
    assert texts[chinese] == "甲" * text_keys.TEXT_HEAD
    assert texts[latin] == "a" * 2999 + "b"
    assert texts[short] == "文明城市创建工作情况说明" * 10
    assert photo_like not in texts
    # only the reports' texts are read (for the relevance rule's key terms); the fingerprint of
    # every document's head is stored with it
    assert notice not in texts
    assert rows[chinese].text_key == text_keys.fingerprint("甲" * text_keys.TEXT_HEAD)
    assert rows[notice].text_key == text_keys.fingerprint("关于开展文明城市创建工作的通知" * 10)
