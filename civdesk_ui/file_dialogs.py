"""File dialogs: the platform's own where there is one, else Qt's with every label in Chinese.

A ``QFileDialog`` runs the native dialog when the platform has one, as Qt's
static functions do; where it has none (a plain Linux desktop, offscreen) Qt
draws its own.  Qt's Chinese translations (loaded in ``civdesk_ui.app``) miss
two of its labels, 「&Look in:」 and 「Files of &type:」, so the labels are
set here.
"""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

LABELS = {
    QFileDialog.LookIn: "查找范围(&L)：",
    QFileDialog.FileName: "文件名称(&N)：",
    QFileDialog.FileType: "文件类型(&T)：",
}


def file_dialog(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "", *,
                mode: QFileDialog.FileMode = QFileDialog.ExistingFile,
                accept: QFileDialog.AcceptMode = QFileDialog.AcceptOpen) -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory, name_filter)
    dialog.setFileMode(mode)
    dialog.setAcceptMode(accept)
    if mode == QFileDialog.Directory:
        dialog.setOption(QFileDialog.ShowDirsOnly)
    for label, text in LABELS.items():
        dialog.setLabelText(label, text)
    return dialog


def _chosen(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() == QDialog.Accepted else []


def open_file(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> str:
    """One existing file, or "" when the clerk cancels."""
    return next(iter(_chosen(file_dialog(parent, caption, directory, name_filter))), "")


def open_files(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> list[str]:
    return _chosen(file_dialog(parent, caption, directory, name_filter, mode=QFileDialog.ExistingFiles))


def save_file(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> str:
    """Where to save, or "" when the clerk cancels (asks before overwriting)."""
    dialog = file_dialog(parent, caption, directory, name_filter, mode=QFileDialog.AnyFile,
                         accept=QFileDialog.AcceptSave)
    return next(iter(_chosen(dialog)), "")


def existing_directory(parent: QWidget | None, caption: str, directory: str = "") -> str:
    return next(iter(_chosen(file_dialog(parent, caption, directory, mode=QFileDialog.Directory))), "")
