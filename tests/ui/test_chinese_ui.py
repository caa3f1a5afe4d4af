"""Qt's own texts in Chinese: message-box buttons, the file dialog, the details button."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget


@pytest.fixture
def chinese_app(qapp):
    """The application as civdesk_ui.app sets it up (Qt's translations installed)."""
    from PySide6.QtCore import QTranslator

    from civdesk_ui.app import setup_app

    before = set(qapp.findChildren(QTranslator))
    setup_app(qapp)
    added = [t for t in qapp.findChildren(QTranslator) if t not in before]
    yield qapp, added
    for translator in added:
        qapp.removeTranslator(translator)
        translator.deleteLater()


def test_qt_translations_ship_and_are_installed(chinese_app):
    _, added = chinese_app
    assert len(added) == 1 and not added[0].isEmpty()  # qtbase_zh_CN.qm from the PySide6 wheel
    assert QCoreApplication.translate("QFileDialog", "File &name:") == "文件名称(&N)："
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QCoreApplication.translate("QMessageBox", "Show Details...") == "显示详情..."


def test_message_boxes_have_chinese_buttons(chinese_app, qtbot):
    from civdesk_ui.messages import message_box

    parent = QWidget()
    qtbot.addWidget(parent)
    question = message_box(parent, QMessageBox.Question, "导出前检查发现错误", "是否仍然导出？",
                           QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    assert sorted(b.text() for b in question.buttons()) == sorted(["是", "否"])
    assert question.defaultButton().text() == "否"
    info = message_box(parent, QMessageBox.Information, "检查报告", "已保存")
    assert [b.text() for b in info.buttons()] == ["确定"]


def test_ask_returns_the_answer_and_shows_chinese_buttons(answer_boxes):
    from civdesk_ui.messages import ask, inform

    shown, answers = answer_boxes
    answers.extend(["是", "否"])
    assert ask(None, "无法打开资料库", "是否选择另一个资料库文件夹？") is True
    assert ask(None, "无法打开资料库", "是否选择另一个资料库文件夹？") is False
    inform(None, "关于 CivDesk", "CivDesk")
    assert [buttons for _, _, buttons in shown] == [["是", "否"], ["是", "否"], ["确定"]]


def test_job_error_box_reads_chinese(chinese_app, qtbot):
    from civdesk_ui.jobs import JobRunner

    parent = QWidget()
    qtbot.addWidget(parent)
    runner = JobRunner(parent)
    runner.show_error("导入材料", "文件「通知.pdf」无法读取：已损坏", "Traceback …")
    box = parent.findChild(QMessageBox, "jobErrorBox")
    texts = {b.text() for b in box.buttons()}
    assert "确定" in texts and "显示详情..." in texts


def test_qt_file_dialog_labels_are_all_chinese(chinese_app, qtbot, tmp_path):
    """Where there is no native dialog (offscreen here), Qt's own reads Chinese throughout:
    the translations miss 「Look in」 and 「Files of type」, the helper sets them."""
    from PySide6.QtWidgets import QLabel

    from civdesk_ui.file_dialogs import file_dialog

    dialog = file_dialog(None, "选择测评体系表格", str(tmp_path), "测评体系表格 (*.docx *.xlsx)")
    qtbot.addWidget(dialog)
    dialog.show()
    labels = {w.objectName(): w.text() for w in dialog.findChildren(QLabel) if w.objectName()}
    assert labels["lookInLabel"] == "查找范围(&L)："
    assert labels["fileNameLabel"] == "文件名称(&N)："
    assert labels["fileTypeLabel"] == "文件类型(&T)："
    assert dialog.testOption(dialog.Option.DontUseNativeDialog) is False  # platform behaviour kept
