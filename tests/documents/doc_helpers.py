"""Test helpers: sample letters loaded from tests/fixtures/documents, DOCX and PDF text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document

from canhgiac.exports.documents.district_report import (
    BudgetLine,
    DistrictReportData,
    DurationStat,
    ReportNarrative,
    RequestStat,
    TaskStat,
    TrainingStat,
)
from canhgiac.exports.documents.letters import LetterEvidence, LetterIndicator, RequestLetter
from canhgiac.planning.period import period_from_string

FIXTURES = Path(__file__).parents[1] / "fixtures" / "documents"


def load_letter(name: str = "letter_block_domain.yaml", **changes: Any) -> RequestLetter:
    """A RequestLetter from a fixture file, with optional field overrides."""
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    data["indicators"] = [LetterIndicator(**item) for item in data["indicators"]]
    data["evidence"] = [LetterEvidence(**item) for item in data["evidence"]]
    assert isinstance(data["issued_on"], date)
    assert all(isinstance(e.captured_at, datetime) for e in data["evidence"])
    return replace(RequestLetter(**data), **changes)


def docx_text(data: bytes) -> str:
    """All paragraph and table text of a DOCX, in document order, one paragraph a line."""
    doc = Document(io.BytesIO(data))
    lines: list[str] = []
    body = doc.element.body
    for para in body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
        lines.append(
            "".join(
                t.text or ""
                for t in para.iter(
                    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
                )
            )
        )
    return "\n".join(lines)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """Text of a PDF via poppler's pdftotext, whitespace squashed; skip when poppler is absent."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    target = tmp_path / "doc.pdf"
    target.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(target), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", " ", out)


def pdf_fonts(data: bytes, tmp_path: Path) -> list[str]:
    """Embedded font names of a PDF via pdffonts; skip when poppler is absent."""
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    target = tmp_path / "fonts.pdf"
    target.write_bytes(data)
    out = subprocess.run(["pdffonts", str(target)], capture_output=True, check=True, text=True)
    return [line.split()[0] for line in out.stdout.splitlines()[2:] if line.strip()]


def load_report(name: str = "report_2023_q2.yaml", **changes: Any) -> DistrictReportData:
    """A DistrictReportData from a fixture file; its `period` string sets the dates and label."""
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    period = period_from_string(data.pop("period"))
    data.update(
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        time_to_triage=DurationStat(**data["time_to_triage"]),
        time_to_resolve=DurationStat(**data["time_to_resolve"]),
        requests=[RequestStat(**r) for r in data["requests"]],
        trainings=[TrainingStat(**t) for t in data["trainings"]],
        budget=[BudgetLine(**b) for b in data["budget"]],
        tasks=[TaskStat(**t) for t in data["tasks"]],
        narrative=ReportNarrative(**data["narrative"]),
    )
    return replace(DistrictReportData(**data), **changes)
