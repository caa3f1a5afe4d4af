"""The ids a view lists: filtered and sorted in SQL (one plain query, as the window runs it
on the UI thread for a small node)."""
from __future__ import annotations

import datetime as dt

from civdesk import materials as mat
from civdesk.models import Link, Unit
from tests.core.checks_helpers import add_doc, add_photo, find_standard


def test_a_node_lists_its_materials_by_date_with_undated_ones_last_either_way(sample_lib):
    with sample_lib.session() as s:
        s.add_all([Unit(name="甲单位"), Unit(name="乙单位")])
    early = add_photo(sample_lib, "Ⅲ-1:1", unit="乙单位", date=dt.date(2024, 1, 5))
    late = add_doc(sample_lib, "Ⅲ-1:2", unit="甲单位", date=dt.date(2024, 6, 1))
    undated = add_photo(sample_lib, "Ⅲ-1:1", date=None)
    elsewhere = add_photo(sample_lib, "Ⅲ-5:1", date=dt.date(2024, 2, 1))
    node = [find_standard(sample_lib, "Ⅲ-1:1").id, find_standard(sample_lib, "Ⅲ-1:2").id]
    assert mat.list_ids(sample_lib, standard_ids=node) == [early, late, undated]
    assert mat.list_ids(sample_lib, standard_ids=node, descending=True) == [late, early, undated]
    assert mat.list_ids(sample_lib, standard_ids=node, sort="unit") == [early, late, undated]  # 乙 < 甲 in code order
    assert mat.list_ids(sample_lib, standard_ids=node, kind="docx") == [late]
    assert mat.list_ids(sample_lib, standard_ids=[]) == []
    assert elsewhere in mat.list_ids(sample_lib) and len(mat.list_ids(sample_lib)) == 4
    with sample_lib.session() as s:
        s.query(Link).filter(Link.material_id == elsewhere).delete()
        unit_id = s.query(Unit.id).filter(Unit.name == "甲单位").scalar()
    assert mat.list_ids(sample_lib, unfiled=True) == [elsewhere]
    assert mat.unfiled_count(sample_lib) == 1  # the tree's 未归类 count agrees with its list
    mat.link(sample_lib, [early], find_standard(sample_lib, "Ⅲ-5:1").id)  # filed twice: still one material
    assert mat.unfiled_count(sample_lib) == 1
    assert mat.list_ids(sample_lib, unit_id=unit_id) == [late]
