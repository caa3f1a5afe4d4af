"""Declaration packages (申报材料包) for the national platform.

Glossary (one English name per Chinese term):

=================  ===========================================================
package            申报材料包: the folder or zip uploaded item by item
catalog            目录 (目录.xlsx / 目录.docx): one row per file
图文说明 sheet      caption sheet: a standard's photos with their captions (PDF)
check report       检查报告.docx: the checks run before the export
override           越过错误导出: exporting although the checks found errors
manifest           manifest-sha256.txt (BagIt): digest of every other file
platform limits    平台限制: allowed formats, maximum size, minimum resolution
=================  ===========================================================

Entry points: :func:`export_package` and :func:`verify_package`.
"""
from civdesk.export.checkgate import CheckOutcome
from civdesk.export.manifest import PackageError, PackageProblem, PackageReport, verify_package
from civdesk.export.names import clean_component
from civdesk.export.options import ExportOptions, OptionsError, save_options
from civdesk.export.package import DiskFullError, ExportBlocked, ExportError, ExportResult, export_package
from civdesk.export.plan import ScopeError

__all__ = [
    "CheckOutcome", "DiskFullError", "ExportBlocked", "ExportError", "ExportOptions", "ExportResult",
    "OptionsError", "PackageError", "PackageProblem", "PackageReport",
    "ScopeError", "clean_component", "export_package", "save_options", "verify_package",
]
