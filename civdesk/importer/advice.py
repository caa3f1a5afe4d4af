"""What a clerk can do about a file the import refused (shown beside the reason)."""
from __future__ import annotations

_ADVICE = (
    (("修改",), "等文件不再变化（拷贝完成、关闭正在编辑它的程序）后重新导入"),
    (("为空", "0 字节"), "向报送单位索取完整的文件"),
    (("磁盘空间",), "清理资料库所在磁盘的空间后重新导入"),
    (("不存在",), "检查路径是否正确、文件是否已被移走"),
    (("链接", "快捷方式"), "导入链接所指的原文件"),
    (("密码", "加密"), "请报送单位提供未加密的文件，或先用解压软件解开再导入"),
    (("../", "路径", "绝对"), "压缩包内的路径不安全：请报送单位重新打包"),
    (("压缩", "zip", "ZIP"), "用解压软件解开后导入其中的文件夹"),
    (("过大", "太大", "炸弹"), "请报送单位压缩或拆分后重新报送"),
    (("权限", "拒绝访问", "Permission"), "把文件复制到本机有权限的文件夹后重新导入"),
)
DEFAULT = "检查文件能否在本机打开；能打开的，另存一份后重新导入"


def advice_for(reason: str) -> str:
    """A next step for a refusal reason (never empty)."""
    for words, advice in _ADVICE:
        if any(w in reason for w in words):
            return advice
    return DEFAULT
