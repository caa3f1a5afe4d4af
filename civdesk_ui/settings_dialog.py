"""Library settings: the platform's limits and the check rules (switched on/off, thresholds)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
)

from civdesk import checks
from civdesk_ui.messages import warn


class SettingsDialog(QDialog):
    def __init__(self, window):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.setObjectName("settingsDialog")
        self.setWindowTitle("资料库设置")
        self.resize(720, 560)
        current = checks.get_check_settings(window.lib)
        p = current.platform
        self.formats = QLineEdit("、".join(p.formats))
        self.formats.setToolTip("按当年平台通知填写，用顿号或逗号分隔，如 jpg、pdf、docx")
        self.max_mb = QDoubleSpinBox()
        self.max_mb.setRange(0.1, 10_000)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setValue(p.max_mb)
        self.min_w, self.min_h = QSpinBox(), QSpinBox()
        for box, v in ((self.min_w, p.min_width), (self.min_h, p.min_height)):
            box.setRange(0, 20_000)
            box.setSuffix(" 像素")
            box.setValue(v)
        platform = QGroupBox("申报平台限制（每年以平台通知为准）")
        pf = QFormLayout(platform)
        pf.addRow("允许的格式", self.formats)
        pf.addRow("单个文件上限", self.max_mb)
        res = QHBoxLayout()
        res.addWidget(self.min_w)
        res.addWidget(QLabel("×"))
        res.addWidget(self.min_h)
        res.addStretch()
        pf.addRow("照片最低分辨率", res)
        self.rules = QListWidget()
        self.rules.setObjectName("ruleList")
        for rule in checks.RULES.values():
            item = QListWidgetItem(f"{rule.title}（{rule.id}，默认{rule.severity}）")
            item.setData(Qt.UserRole, rule.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if current.enabled(rule.id) else Qt.Unchecked)
            self.rules.addItem(item)
        self.blur = QDoubleSpinBox()
        self.blur.setRange(0, 10_000)
        self.blur.setValue(current.blur_min)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(current.jpeg_quality_min)
        rules = QGroupBox("检查规则（取消勾选即停用）")
        rl = QVBoxLayout(rules)
        rl.addWidget(self.rules)
        th = QFormLayout()
        th.addRow("模糊阈值（清晰度低于此值判为模糊）", self.blur)
        th.addRow("JPEG 质量下限（低于此值判为压缩过度）", self.quality)
        rl.addLayout(th)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(platform)
        layout.addWidget(rules)
        layout.addWidget(buttons)

    def save(self) -> None:
        import re

        formats = tuple(f.strip().lstrip(".").lower() for f in re.split(r"[、,，;；\s]+", self.formats.text())
                        if f.strip())
        disabled = [self.rules.item(i).data(Qt.UserRole) for i in range(self.rules.count())
                    if self.rules.item(i).checkState() != Qt.Checked]
        try:
            checks.set_check_settings(
                self.window.lib, disabled=disabled, blur_min=self.blur.value(),
                jpeg_quality_min=self.quality.value(),
                platform={"formats": formats, "max_mb": self.max_mb.value(),
                          "min_width": self.min_w.value(), "min_height": self.min_h.value()})
        except ValueError as exc:
            warn(self, "设置", str(exc))
            return
        self.accept()
