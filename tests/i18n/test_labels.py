"""The `label` filter names stored codes in the page's language, per GLOSSARY.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canhgiac.db.models.cases import CASE_STATES
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.db.models.org import ROLES, UNIT_KINDS
from canhgiac.web.labels import LABELS, name_of
from canhgiac.web.templating import ENV, current_lang


@pytest.fixture
def lang() -> Iterator[None]:
    token = current_lang.set("vi")
    yield
    current_lang.reset(token)


@pytest.mark.parametrize(
    ("source", "vi", "en"),
    [
        ('{{ "verifying"|label }}', "Đang xác minh", "Verifying"),
        ('{{ "awaiting_response"|label("case_state") }}', "Chờ phản hồi", "Awaiting response"),
        ('{{ "unit_officer"|label("role") }}', "Cán bộ đơn vị", "Unit officer"),
        ('{{ "commune"|label("unit_kind") }}', "Xã, thị trấn", "Commune or town"),
        ('{{ "spam"|label("verdict") }}', "Rác", "Spam"),
        ('{{ "spam"|label }}', "Tin nhắn/cuộc gọi rác", "Spam messages/calls"),
        ('{{ "draft"|label("request_state") }}', "Dự thảo", "Draft"),
        ('{{ "done"|label("task_state") }}', "Đã hoàn thành", "Done"),
        (
            '{{ "in_review"|label("report_state") }}',
            "Đang xem xét, xử lý",
            "Being reviewed and handled",
        ),
        ('{{ "closed"|label("report_state") }}', "Đã đóng", "Closed"),
        ('{{ "<b>odd</b>"|label }}', "&lt;b&gt;odd&lt;/b&gt;", "&lt;b&gt;odd&lt;/b&gt;"),
        ("{{ none|label }}", "", ""),
    ],
)
def test_label_filter_translates_and_escapes(lang: None, source: str, vi: str, en: str) -> None:
    template = ENV.from_string(source)
    assert template.render() == vi
    current_lang.set("en")
    assert template.render() == en


@pytest.mark.parametrize(
    ("group", "codes"),
    [
        ("case_state", CASE_STATES),
        ("category", REPORT_CATEGORIES),
        ("role", ROLES),
        ("unit_kind", UNIT_KINDS),
    ],
)
def test_every_stored_code_has_a_name(group: str, codes: tuple[str, ...]) -> None:
    assert {code for code in codes if name_of(code, group) is None} == set()
    assert set(LABELS[group]) == set(codes)


def test_unknown_group_fails_loudly() -> None:
    with pytest.raises(KeyError):
        name_of("new", "no_such_group")
