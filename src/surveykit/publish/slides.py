"""Slides for the closing event (python-pptx): a deck a project lead can present as it is.

A title slide; three to six "Projektergebnisse" slides, each with one finding as its
headline sentence and the figure behind it; the Handlungsstrategien by Handlungsfeld with
their evidence; a method slide. Text from data or config goes into text frames as plain text
(python-pptx never interprets it) and formula-like text is made inert. Fixed document
properties and a normalised zip make a rerun byte-identical.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surveykit.publish.safe_text import neutralise
from surveykit.publish.zipfiles import normalise_zip

__all__ = ["ResultSlide", "write_slides"]

_FIXED_DATE = datetime.datetime(2000, 1, 1)
_TEXT = {
    "de": {"results": "Projektergebnisse", "strategies": "Handlungsstrategien",
           "supported": "gestützt", "no_evidence": "in dieser Befragung keine Evidenz",
           "method": "Methode", "none": "Keine Handlungsstrategien konfiguriert."},
    "en": {"results": "Project results", "strategies": "Action strategies",
           "supported": "supported", "no_evidence": "no evidence in this survey",
           "method": "Method", "none": "No action strategies configured."},
}


@dataclass(frozen=True)
class ResultSlide:
    """One finding: its headline sentence and the figure (PNG) that shows it."""

    headline: str
    image: Path | None
    note: str = ""


def _text(frame: Any, text: str, size: int, bold: bool = False) -> None:
    from pptx.util import Pt

    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.text = neutralise(text)
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold


def _bullets(frame: Any, lines: Sequence[tuple[str, int]], size: int) -> None:
    """Bulleted lines at their indent levels."""
    from pptx.util import Pt

    frame.word_wrap = True
    for index, (line, level) in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = neutralise(line)
        paragraph.level = level
        for run in paragraph.runs:
            run.font.size = Pt(size - 2 * level)


def write_slides(path: str | Path, title: str, subtitle: str, results: Sequence[ResultSlide],
                 fields: Sequence[Mapping[str, Any]], method_lines: Sequence[str],
                 source: str, language: str = "de") -> None:
    """Write the deck (16:9) and normalise it so a rerun is byte-identical."""
    from pptx import Presentation
    from pptx.util import Emu, Inches

    text = _TEXT[language]
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = neutralise(title)
    title_slide.placeholders[1].text = neutralise(subtitle)
    blank = deck.slide_layouts[6]
    for result in results:
        slide = deck.slides.add_slide(blank)
        label = slide.shapes.add_textbox(Inches(0.5), Inches(0.2), Inches(12.3), Inches(0.4))
        _text(label.text_frame, text["results"], 14)
        headline = slide.shapes.add_textbox(Inches(0.5), Inches(0.6), Inches(12.3),
                                            Inches(1.5))
        # a long finding gets a smaller font, so it never runs into the figure
        _text(headline.text_frame, result.headline, 22 if len(result.headline) < 120 else 18,
              bold=True)
        if result.image is not None and Path(result.image).is_file():
            picture = slide.shapes.add_picture(str(result.image), Inches(0.5), Inches(2.2),
                                               height=Inches(4.7))
            if picture.width > Inches(12.3):  # keep wide figures on the slide
                ratio = Inches(12.3) / picture.width
                picture.width = Emu(int(picture.width * ratio))
                picture.height = Emu(int(picture.height * ratio))
            picture.left = Emu(int((deck.slide_width - picture.width) / 2))
        footer = slide.shapes.add_textbox(Inches(0.5), Inches(7.0), Inches(12.3),
                                          Inches(0.4))
        _text(footer.text_frame, source, 10)
    lines: list[tuple[str, int]] = []
    for field_ in fields:
        lines.append((str(field_.get("title", "")), 0))
        for strategy in field_.get("strategies", []):
            state = text["supported"] if strategy.get("fired") else text["no_evidence"]
            lines.append((f"{strategy.get('title', '')} – {state}", 1))
            for item in [e for e in strategy.get("evidence", []) if e.get("met")][:1]:
                lines.append((str(item.get("text", "")), 2))
    # Units that stay together: a field's title, or a strategy with its evidence; an
    # evidence sentence takes about two lines, a slide about eleven.
    units: list[list[tuple[str, int]]] = []
    for line in lines:
        if line[1] < 2 or not units:
            units.append([])
        units[-1].append(line)
    chunks: list[list[tuple[str, int]]] = []
    height = 0
    for unit in units:
        cost = sum(2 if level == 2 else 1 for _, level in unit)
        if not chunks or height + cost > 11 or (unit[0][1] == 0 and height > 8):
            chunks.append([])
            height = 0
        chunks[-1].extend(unit)
        height += cost
    for chunk in chunks or [[(text["none"], 0)]]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text["strategies"]
        _bullets(slide.placeholders[1].text_frame, chunk, 18)
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = text["method"]
    _bullets(slide.placeholders[1].text_frame, [(line, 0) for line in method_lines], 18)
    properties = deck.core_properties
    properties.author = "surveykit"
    properties.last_modified_by = "surveykit"
    properties.title = neutralise(title)
    properties.created = _FIXED_DATE
    properties.modified = _FIXED_DATE
    properties.revision = 1
    deck.save(str(path))
    normalise_zip(path)
