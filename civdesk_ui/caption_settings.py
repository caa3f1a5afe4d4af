"""工具 → 图片说明设置: the city's place list (for 地点 from GPS) and caption templates."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

from civdesk import caption_proposals as cp
from civdesk_ui.messages import warn


class CaptionSettingsDialog(QDialog):
    def __init__(self, window):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.setObjectName("captionSettings")
        self.setWindowTitle("图片说明：地点表与说明模板")
        self.resize(760, 560)
        current = cp.get_settings(window.lib)
        self.places = QPlainTextEdit(cp.places_text(current))
        self.places.setPlaceholderText("人民广场, 30.2741, 120.1551, 300\n市民中心, 30.2453, 120.2100")
        self.templates = QPlainTextEdit(cp.templates_text(current))
        self.templates.setPlaceholderText("standard:Ⅲ-5:1：事由=志愿服务活动；背景=学雷锋志愿服务月\n"
                                          "unit:市民政局：摄影者=市民政局宣传科")
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>地点表</b>：每行「名称, 纬度, 经度[, 半径米]」。照片带 GPS 位置且落在"
                                "某地点半径内（默认 500 米）时，建议该地点为图片说明的「地点」。"))
        layout.addWidget(self.places)
        layout.addWidget(QLabel("<b>说明模板</b>：按测评标准或责任单位给出空着的说明项的建议值，"
                                "每行「standard:编号：项目=内容；…」或「unit:单位名：…」。"))
        layout.addWidget(self.templates)
        layout.addWidget(buttons)

    def save(self) -> None:
        places, p1 = cp.parse_places(self.places.toPlainText())
        templates, p2 = cp.parse_templates(self.templates.toPlainText())
        if p1 or p2:
            warn(self, "图片说明设置", "\n".join((p1 + p2)[:12]))
            return
        cp.set_settings(self.window.lib, cp.CaptionSettings(places, templates))
        self.window._material_selected()  # the proposals shown follow at once
        self.accept()
