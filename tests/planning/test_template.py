"""The shipped plan template: verbatim against PLAN.md, round-trip, validation, next year."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from canhgiac.planning.template import (
    DEFAULT_PLAN_PATH,
    default_plan,
    dump_plan,
    load_plan,
    next_year,
)

PLAN_MD = Path(__file__).parents[2].parent / "shared/docs/PLAN.md"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _original_section_iii() -> str:
    if not PLAN_MD.exists():
        pytest.skip("shared/docs/PLAN.md is not present")
    text = PLAN_MD.read_text(encoding="utf-8")
    original = text.split("## Original text", 1)[1].split("## English rendering", 1)[0]
    return original.split("III. TỔ CHỨC THỰC HIỆN", 1)[1].split("Trên đây là Kế hoạch", 1)[0]


def _headings_and_duties(section: str) -> list[tuple[str, list[str]]]:
    """Split section III into (unit heading, [duty texts]) in document order."""
    units: list[tuple[str, list[str]]] = []
    for line in (raw.strip() for raw in section.splitlines()):
        heading = re.match(r"^\d+\. (.+)$", line)
        if heading:
            units.append((heading[1], []))
        elif line.startswith("- ") or (line and not units[-1][1]):
            units[-1][1].append(line.removeprefix("- "))
        elif line:
            # The printed plan breaks one duty across a page ("có biện" / "pháp kỹ thuật").
            units[-1][1][-1] += " " + line
    return units


def test_every_unit_heading_and_duty_of_plan_md_is_verbatim_in_the_yaml() -> None:
    expected = _headings_and_duties(_original_section_iii())
    plan = default_plan()
    assert [name for name, _ in expected] == [u.name for u in plan.units]
    yaml_text = _squash(DEFAULT_PLAN_PATH.read_text(encoding="utf-8"))
    for (name, duties), unit in zip(expected, plan.units, strict=True):
        assert name in yaml_text
        assert [d.text for d in unit.duties] == duties, name
        for duty in duties:
            assert duty in yaml_text


def test_preamble_content_and_budget_are_verbatim() -> None:
    if not PLAN_MD.exists():
        pytest.skip("shared/docs/PLAN.md is not present")
    original = _squash(PLAN_MD.read_text(encoding="utf-8"))
    plan = default_plan()
    for text in (plan.preamble, plan.budget_rule, plan.closing, plan.title):
        assert text in original
    for text in (*plan.purposes, *plan.requirements, *(c.text for c in plan.content_items)):
        assert f"- {text}" in original
    for recipient in plan.recipients:
        assert f"- {recipient};" in original
    assert f"- Lưu: {plan.archive}." in original


def test_shipped_plan_shape() -> None:
    plan = default_plan()
    assert plan.code == "KH-BAOLAC-2023"
    assert plan.year == 2023
    assert plan.issuer == "Ủy ban nhân dân huyện Bảo Lạc"
    assert plan.legal_basis.number == "393/KH-UBND"
    assert plan.legal_basis.issued_on.isoformat() == "2023-02-27"
    assert [u.code for u in plan.units] == ["VHTT", "CA", "TCKH", "AGENCIES", "COMMUNES"]
    assert [s.code for s in plan.sections_for_kind("commune")] == ["COMMUNES"]
    assert [s.code for s in plan.sections_for_kind("agency")] == ["AGENCIES"]
    assert plan.unit("VHTT").coordinator
    assert (plan.signer.authority, plan.signer.title, plan.signer.name) == (
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Hoàng Thị Đà",
    )
    assert len(plan.duties()) == 11
    with pytest.raises(KeyError):
        plan.unit("NOPE")


def test_dump_and_load_round_trip() -> None:
    plan = default_plan()
    text = dump_plan(plan)
    assert "Hoàng Thị Đà" in text  # written as UTF-8, not \u escapes
    assert load_plan(text) == plan
    assert dump_plan(load_plan(text)) == text


def test_load_from_path_string_and_path(tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text(dump_plan(default_plan()), encoding="utf-8")
    assert load_plan(target) == load_plan(str(target)) == default_plan()


def test_next_year_keeps_duties_and_redates() -> None:
    plan = default_plan()
    new = next_year(plan, 2024)
    assert new.code == "KH-BAOLAC-2024"
    assert new.year == 2024
    assert new.title.endswith("huyện Bảo Lạc năm 2024")
    assert "2023" not in new.title + new.closing
    assert new.units == plan.units
    assert load_plan(dump_plan(new)) == new
    with pytest.raises(ValueError, match="year"):
        next_year(plan, 1999)


BAD_CASES = [
    ("code: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "plan: expected a mapping"),
    ("year: 2023\n", "plan.content_items: missing required field"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CASES)
def test_bad_documents_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_plan(text)


MUTATIONS = [
    ("year: 2023", "year: soon", "plan.year: expected an integer"),
    ("period: monthly", "period: weekly", "plan.units[0].duties[2].period: expected one of"),
    ("content_items: [ND3]", "content_items: [ND9]", "unknown content item 'ND9'"),
    ("kind: police", "kind: army", "plan.units[1].kind: expected one of"),
    ("issued_on: 2023-02-27", "issued_on: 27/02/2023", "plan.legal_basis.issued_on"),
    ("  - id: ND2\n", "  - id: ND1\n", "plan.content_items: duplicate id 'ND1'"),
    ("name: Hoàng Thị Đà", "name: ''", "plan.signer.name: expected a non-empty string"),
    ("group: true", "group: maybe", "plan.units[3].group: expected true or false"),
]


@pytest.mark.parametrize(("old", "new", "message"), MUTATIONS)
def test_invalid_fields_name_field_and_path(old: str, new: str, message: str) -> None:
    text = DEFAULT_PLAN_PATH.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ValueError, match=re.escape(message)):
        load_plan(text.replace(old, new, 1))
