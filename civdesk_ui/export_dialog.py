"""Export the declaration package: scope, options, destination, progress, result."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from civdesk import export as ex
from civdesk.checklist import store as cl
from civdesk_ui.file_dialogs import open_file, save_file
from civdesk_ui.messages import ask, inform, warn


class ExportDialog(QDialog):
    def __init__(self, window):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.setObjectName("exportDialog")
        self.setWindowTitle("导出申报材料包")
        self.resize(640, 360)
        lib = window.lib
        checklist_id = window.checklist_panel.checklist_id
        self.scope = QComboBox()
        self.scope.addItem("整个测评体系", None)
        tree = cl.checklist_tree(lib, checklist_id)
        for root in tree.roots:
            for node in root.walk():
                self.scope.addItem(f"{'　' * (node.level - 1)}{node.code} {node.title}", node.code)
        self.unit = QComboBox()
        self.unit.addItem("全部单位", None)
        for u in cl.list_units(lib):
            self.unit.addItem(u.name, u.name)
        options = ex.ExportOptions.from_library(lib)
        self.pattern = QLineEdit(options.name_pattern)
        self.pattern.setToolTip("可用：{标准编号} {序号} {题名} {日期} {单位} {类别} {文号} {原名} {ext}")
        self.shared = QComboBox()
        self.shared.addItem("在每条标准下各放一份", "copy")
        self.shared.addItem("只放一份，其他标准下放说明", "note")
        self.shared.setCurrentIndex(max(self.shared.findData(options.shared), 0))
        self.captions = QCheckBox("为每条标准生成图文说明 PDF")
        self.captions.setChecked(options.captions)
        self.per_page = QComboBox()
        self.per_page.addItem("每页 1 张照片", 1)
        self.per_page.addItem("每页 2 张照片", 2)
        self.per_page.setCurrentIndex(0 if options.photos_per_page == 1 else 1)
        self.as_zip = QCheckBox("打包为 zip（Windows 资源管理器可正常显示中文文件名）")
        self.as_zip.setChecked(True)
        default = lib.exports_dir / f"{tree.checklist.name}申报材料"
        self.dest = QLineEdit(str(default))
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dest)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("范围", self.scope)
        form.addRow("责任单位", self.unit)
        form.addRow("文件命名", self.pattern)
        form.addRow("多处引用的材料", self.shared)
        form.addRow("", self.captions)
        form.addRow("图文说明", self.per_page)
        form.addRow("", self.as_zip)
        form.addRow("保存到", row)
        self.compilation = QCheckBox("另外生成材料汇编 PDF（封面、目录、书签，供领导审阅打印）")
        self.compilation.setChecked(options.compilation)
        form.addRow("", self.compilation)
        self.status = QLabel("导出前会先运行申报前检查；有错误的材料默认不放入上报版，"
                             "未纳入的材料及原因写入旁边的内部版。")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.go = buttons.addButton("导出", QDialogButtonBox.AcceptRole)
        buttons.addButton("关闭", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(lambda: self.start())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.result_path: Path | None = None
        self.held: tuple = ()

    def _browse(self) -> None:
        chosen = save_file(self, "材料包保存位置", self.dest.text())
        if chosen:
            self.dest.setText(chosen[:-4] if chosen.lower().endswith(".zip") else chosen)

    def options(self) -> ex.ExportOptions:
        from dataclasses import replace

        base = ex.ExportOptions.from_library(self.window.lib)
        return replace(base, name_pattern=self.pattern.text().strip() or base.name_pattern,
                       shared=self.shared.currentData(), captions=self.captions.isChecked(),
                       photos_per_page=self.per_page.currentData(),
                       compilation=self.compilation.isChecked())

    def start(self, allow_errors: bool = False, include: tuple[int, ...] = ()):  # noqa: ANN201
        try:
            options = self.options()
        except ex.OptionsError as exc:
            warn(self, "导出", str(exc))
            return None
        lib = self.window.lib
        out = Path(self.dest.text())
        as_zip = self.as_zip.isChecked()
        checklist_id = self.window.checklist_panel.checklist_id
        item, unit = self.scope.currentData(), self.unit.currentData()
        if include:  # a second export with the picked materials replaces the first
            from dataclasses import replace

            options = replace(options, overwrite=True)
        self.go.setEnabled(False)

        def work(progress):  # noqa: ANN001, ANN202
            return ex.export_package(lib, out, checklist_id=checklist_id, item=item, unit=unit,
                                     as_zip=as_zip, allow_errors=allow_errors, include=include,
                                     options=options, progress=progress)

        job = self.window.jobs.run("导出申报材料包", work, on_done=self._done, show_errors=False)
        job.ended.connect(lambda: self._ended(job))
        return job

    def _ended(self, job) -> None:  # noqa: ANN001
        self.go.setEnabled(True)
        if job.error is None:
            return
        if job.error.startswith("导出前检查发现"):
            if ask(self, "导出前检查发现错误",
                   f"{job.error}\n\n是否仍然导出（把有错误的材料全部放入上报版）？越过错误的记录会写入内部版。"):
                self.start(allow_errors=True)
            else:
                self.status.setText("已停止导出。可在「申报前检查」（F9）中查看并处理这些错误。")
            return
        self.status.setText(f"<span style='color:#b00020'>导出失败：{job.error}</span>")

    def _done(self, result: ex.ExportResult) -> None:
        target = result.zip_path or result.folder
        self.result_path = target
        extra = (f"；已越过错误纳入 {len(result.admitted)} 件材料（已记录在内部版）"
                 if result.overridden else "")
        held = (f"<br><span style='color:#b00020'>有错误、未放入上报版的材料 {len(result.held)} 件，"
                f"原因见内部版的导出记录。</span>" if result.held else "")
        self.status.setText(
            f"<b>已导出上报版</b>：{result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB），"
            f"{result.standards} 条标准，图文说明 {result.captions} 份；警告 {len(result.warnings)} 项{extra}。"
            f"{held}<br>上报版：{target}<br>内部版（不上报）：{result.internal}")
        self.held = result.held
        if result.held:
            pick = QPushButton(f"选择要纳入的材料…（{len(result.held)} 件未纳入）")
            pick.setObjectName("pickHeld")
            pick.clicked.connect(self.pick_held)
            self.layout().insertWidget(self.layout().count() - 1, pick)
        open_button = QPushButton("打开所在文件夹")
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(target.parent if target.is_file() else target))))
        self.layout().insertWidget(self.layout().count() - 1, open_button)


    def pick_held(self) -> HeldPicker:
        """The held-back materials with their reasons; those the clerk ticks are exported
        again into the 上报版 (the override is recorded in the 内部版)."""
        picker = HeldPicker(self, self.held)
        picker.accepted.connect(lambda: self.start(include=picker.chosen()) if picker.chosen() else None)
        picker.open()
        return picker


class HeldPicker(QDialog):
    def __init__(self, parent, held) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setObjectName("heldPicker")
        self.setWindowTitle("选择仍要纳入上报版的材料")
        self.resize(720, 420)
        note = QLabel("以下材料检查发现错误，未放入上报版。勾选的材料将在重新导出时放入上报版，"
                      "越过记录写入内部版的导出记录。")
        note.setWordWrap(True)
        self.list = QListWidget()
        for h in held:
            it = QListWidgetItem(f"#{h.material_id}　{h.title}（{h.name}）\n　　" + "；".join(h.reasons))
            it.setData(256, h.material_id)  # Qt.UserRole
            it.setCheckState(Qt.Unchecked)
            self.list.addItem(it)
        buttons = QDialogButtonBox()
        buttons.addButton("纳入勾选的材料并重新导出", QDialogButtonBox.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[int, ...]:
        return tuple(self.list.item(i).data(256) for i in range(self.list.count())
                     if self.list.item(i).checkState() == Qt.Checked)


def verify_package_interactively(window) -> None:  # noqa: ANN001
    path = open_file(window, "选择要校验的材料包（zip）或其中的 manifest-sha256.txt",
                     "", "材料包 (*.zip manifest-sha256.txt);;所有文件 (*)")
    if not path:
        return
    target = Path(path)
    if target.name == "manifest-sha256.txt":
        target = target.parent

    def done(report: ex.PackageReport) -> None:
        if report.ok:
            inform(window, "材料包校验", f"校验通过：{report.checked} 个文件与清单一致。")
        else:
            warn(window, "材料包校验",
                 "\n".join(p.message for p in report.problems[:40]))

    window.jobs.run("校验材料包", lambda _p: ex.verify_package(target), on_done=done)
