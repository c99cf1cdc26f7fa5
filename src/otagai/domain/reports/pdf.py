"""The report as a one-page A4 PDF, drawn by reportlab with a Japanese TrueType font
(REPORT_FONT; scripts/ensure-fonts.sh installs IPAex Gothic). Everything is set in one
frame that shrinks to fit, so 2,000 characters of activities and 2,000 of incident still
print on one page. The font is embedded as a subset with its Unicode map, so the text can
be searched and copied (and the tests read it back with pypdf)."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from otagai.domain.reports.document import ReportDocument
from otagai.errors import ServiceUnavailable

MARGIN = 18 * mm
_fonts: dict[str, str] = {}
_lock = threading.Lock()


def font_name(path: str) -> str:
    """The reportlab name of the font at ``path``, registered once per process (reading
    the 6 MB file takes a while); 503 ``report_font_missing`` when it is not there or is
    no TrueType font."""
    with _lock:
        if path not in _fonts:
            if not Path(path).is_file():
                raise ServiceUnavailable("report_font_missing")
            name = f"ReportFont{len(_fonts)}"
            try:
                pdfmetrics.registerFont(TTFont(name, path))
            except (TTFError, OSError) as exc:
                raise ServiceUnavailable("report_font_missing") from exc
            _fonts[path] = name
        return _fonts[path]


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a little markup: the supporter's text is text, line breaks kept.
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render_pdf(document: ReportDocument, *, font_path: str) -> bytes:
    font = font_name(font_path)
    # wordWrap="CJK": Japanese breaks between any two characters, not only at spaces.
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#444444"))
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)
    width = A4[0] - 2 * MARGIN
    rows = [[_paragraph(k, label), _paragraph(v, body)] for k, v in document.rows]
    rows.append([_paragraph("事故・ケガ", label), _paragraph(document.incident, body)])
    table = Table(rows, colWidths=[32 * mm, width - 32 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    content: list[Flowable] = [
        _paragraph(document.title, title),
        Spacer(1, 4 * mm),
        table,
        _paragraph("活動内容", heading),
        _paragraph(document.activities, body),
    ]
    if document.incident_text:
        content += [
            _paragraph("事故・ケガの内容", heading),
            _paragraph(document.incident_text, body),
        ]
    out = io.BytesIO()
    page = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author="Otagai",
    )
    # The page's frame pads its content by 6 pt each side.
    height = A4[1] - 2 * MARGIN
    page.build([KeepInFrame(width - 12, height - 12, content, mode="shrink")])
    return out.getvalue()
