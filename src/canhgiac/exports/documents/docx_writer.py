"""Render an AdminDocument to DOCX: A4, Times New Roman, Decree-30 margins, byte-reproducible."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from canhgiac.exports.documents.admin_format import (
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    clean_text,
    format_number_symbol,
    format_place_date,
    kinh_gui_lines,
    noi_nhan_lines,
)
from canhgiac.exports.documents.model import AdminDocument, Block, Figure, PageBreak, Para, Table

__all__ = ["FONT_NAME", "render_docx"]

FONT_NAME = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_MM = 165.0  # 210 mm less 30 mm left and 15 mm right margins
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _set_font(element_rpr_parent: object, name: str) -> None:
    """Set the font for every script so Vietnamese never falls back to a theme font."""
    rpr = element_rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(BODY_PT)
    _set_font(normal.element, FONT_NAME)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.1
    # Decree 30: page numbers centred in the top margin, not shown on the first page.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    header._p.append(field)


def _para(
    container: DocxDocument | _Cell,
    text: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: str = "left",
    indent_first: bool = False,
    space_after: float = 6,
) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if align == "justify" else _ALIGN[align]
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(space_after)
    if indent_first:
        fmt.first_line_indent = Mm(12.7)
    run = paragraph.add_run(clean_text(text))
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def _first_para(cell: _Cell) -> None:
    """Drop the empty paragraph python-docx puts in each new cell."""
    first = cell.paragraphs[0]
    if not first.text:
        first._p.getparent().remove(first._p)


def _heading_block(doc: DocxDocument, document: AdminDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(70), Mm(100)
    superior, issuer = document.issuing_body.heading_lines()
    if superior:
        _para(left, superior, size=13, align="center", space_after=0)
    _para(left, issuer, size=13, bold=True, align="center", space_after=6)
    _para(left, format_number_symbol(document.number, document.symbol), size=13, align="center")
    if document.is_letter:
        _para(left, f"V/v {document.summary}", size=12, align="center")
    _para(right, NATIONAL_NAME, size=12, bold=True, align="center", space_after=0)
    _para(right, NATIONAL_MOTTO, size=13, bold=True, underline=True, align="center")
    place_date = format_place_date(document.place, document.issued_on)
    _para(right, place_date, size=14, italic=True, align="center")
    _first_para(left)
    _first_para(right)


def _table(doc: DocxDocument, block: Table) -> None:
    if block.caption:
        _para(doc, block.caption, size=13, bold=True, align="center", space_after=3)
    rows = [*block.rows, *([block.total] if block.total else [])]
    table = doc.add_table(rows=1 + len(rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Mm(TEXT_WIDTH_MM * w) for w in block.relative_widths()]
    for r, values in enumerate([block.header, *rows]):
        is_bold = r == 0 or (block.total is not None and r == len(rows))
        for c, value in enumerate(values):
            cell = table.rows[r].cells[c]
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = _ALIGN["center" if r == 0 else block.column_align(c)]
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(clean_text(value))
            run.font.size = Pt(12 if r == 0 or c not in block.mono else 10)
            run.bold = is_bold
            if r > 0 and c in block.mono:
                run.font.name = "Courier New"
                _set_font(run._r, "Courier New")
    _para(doc, "", size=6, space_after=0)


def _block(doc: DocxDocument, block: Block) -> None:
    if isinstance(block, Para):
        style = block.style
        if style == "body":
            _para(doc, block.text, align="justify", indent_first=True)
        elif style == "plain":
            _para(doc, block.text, align="justify")
        elif style in ("heading", "subheading"):
            _para(doc, block.text, bold=True, align="justify", indent_first=style == "subheading")
        elif style == "title":
            _para(doc, block.text, bold=True, align="center", space_after=0)
        elif style == "note":
            _para(doc, block.text, size=13, italic=True, align="center")
        else:
            _para(doc, block.text, align="center")
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, Figure):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))
        _para(doc, block.caption, size=12, italic=True, align="center")
    elif isinstance(block, PageBreak):
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _signature_block(doc: DocxDocument, document: AdminDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(85), Mm(80)
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, space_after=0)
    for line in noi_nhan_lines(document.cc, document.archive):
        _para(left, line, size=11, space_after=0)
    for line in document.signature.title_lines():
        _para(right, line, size=14, bold=True, align="center", space_after=0)
    for _ in range(4):  # room for the signature and seal
        _para(right, "", space_after=0)
    _para(right, document.signature.name, size=14, bold=True, align="center")
    _first_para(left)
    _first_para(right)


def _build(document: AdminDocument) -> DocxDocument:
    doc = Document()
    _setup(doc)
    _heading_block(doc, document)
    if not document.is_letter:
        _para(doc, document.doc_type.upper(), bold=True, align="center", space_after=0)
        _para(doc, document.summary, bold=True, align="center", space_after=12)
    lines = kinh_gui_lines(document.recipients)
    if lines:
        head = _para(doc, lines[0], align="center" if len(lines) == 1 else "left", space_after=0)
        head.paragraph_format.left_indent = Mm(0 if len(lines) == 1 else 25)
        for line in lines[1:]:
            _para(doc, line, space_after=0).paragraph_format.left_indent = Mm(45)
        _para(doc, "", space_after=0)
    for block in document.body:
        _block(doc, block)
    _signature_block(doc, document)
    if document.annexes:
        _block(doc, PageBreak())
        for block in document.annexes:
            _block(doc, block)
    core = doc.core_properties
    stamp = datetime.combine(document.issued_on, time(0, 0), tzinfo=UTC)
    core.author = core.last_modified_by = document.issuing_body.name
    core.title = document.title
    core.keywords = ", ".join(document.keywords)
    core.comments = core.subject = core.category = ""
    core.created = core.modified = core.last_printed = stamp
    core.revision = 1
    return doc


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times so equal input gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def render_docx(document: AdminDocument) -> bytes:
    """The document as DOCX bytes (deterministic for equal input)."""
    buffer = io.BytesIO()
    _build(document).save(buffer)
    return _normalise_zip(buffer.getvalue())
