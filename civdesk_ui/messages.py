"""Message boxes with Chinese buttons (是/否/确定/取消), whatever the system's language.

Every message box of the window goes through here: Qt's own translations
(loaded at start, see ``civdesk_ui.app``) would give 「是(&Y)」, a native
platform theme may give English, so the texts are set explicitly.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

BUTTON_TEXTS = {
    QMessageBox.Yes: "是",
    QMessageBox.No: "否",
    QMessageBox.Ok: "确定",
    QMessageBox.Cancel: "取消",
}


def message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                buttons: QMessageBox.StandardButton = QMessageBox.Ok,
                default: QMessageBox.StandardButton = QMessageBox.NoButton) -> QMessageBox:
    """A message box whose standard buttons read 是/否/确定/取消."""
    box = QMessageBox(icon, title, text, buttons, parent)
    for which, label in BUTTON_TEXTS.items():
        button = box.button(which)
        if button is not None:
            button.setText(label)
    if default != QMessageBox.NoButton:
        box.setDefaultButton(default)
    return box


def ask(parent: QWidget | None, title: str, text: str, *, default_yes: bool = False,
        icon: QMessageBox.Icon = QMessageBox.Question) -> bool:
    """Ask a yes/no question (是/否); True when the clerk answers 是."""
    box = message_box(parent, icon, title, text, QMessageBox.Yes | QMessageBox.No,
                      QMessageBox.Yes if default_yes else QMessageBox.No)
    box.exec()
    return box.clickedButton() is box.button(QMessageBox.Yes)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """Tell the clerk something (one 确定 button) and wait until it is read."""
    message_box(parent, QMessageBox.Information, title, text).exec()


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """Warn the clerk (one 确定 button) and wait until it is read."""
    message_box(parent, QMessageBox.Warning, title, text).exec()
