"""Text out of real Word, Excel, PowerPoint and PDF files, HTML bodies and WebVTT transcripts,
served in pages of characters."""

import pytest

from crm.integrations.documents import (
    MAX_DOCUMENT_BYTES,
    UnreadableDocument,
    document_text,
    excerpt,
    html_text,
    transcript_text,
)
from tests.integrations.files import make_docx, make_pdf, make_pptx, make_xlsx


def test_word_document_text_keeps_headings_paragraphs_and_tables() -> None:
    data = make_docx(
        "Proposal for Acme",
        ["We propose a pilot in March.", "The budget is agreed."],
        table=[["Item", "Price"], ["Pilot", "12 000"]],
    )
    text = document_text(data, "proposal.docx")
    assert text.splitlines()[0] == "# Proposal for Acme"
    assert "We propose a pilot in March." in text
    assert "Pilot | 12 000" in text


def test_excel_workbook_text_has_each_sheet_and_its_rows() -> None:
    data = make_xlsx(
        {"Pipeline": [["Deal", "Value"], ["Acme", 12000], [None, None]], "Notes": [["Call Jane"]]}
    )
    text = document_text(data, "pipeline.xlsx")
    assert text.splitlines() == [
        "## Pipeline",
        "Deal\tValue",
        "Acme\t12000",
        "## Notes",
        "Call Jane",
    ]


def test_pdf_text_is_read_page_by_page() -> None:
    text = document_text(make_pdf(["Quarterly revenue grew", "Next steps (draft)"]), "q3.pdf")
    assert "## Page 1\nQuarterly revenue grew" in text
    assert "## Page 2\nNext steps (draft)" in text


def test_powerpoint_slides_come_in_their_order() -> None:
    slides = [[f"Slide title {n}", f"point {n}"] for n in range(1, 12)]
    text = document_text(make_pptx(slides), "deck.pptx")
    assert text.index("## Slide 2\n") < text.index("## Slide 10\n")
    assert "## Slide 11\nSlide title 11\npoint 11" in text


def test_unsupported_damaged_and_oversized_files_are_refused_in_words() -> None:
    with pytest.raises(UnreadableDocument, match=r"cannot be read from \.zip files"):
        document_text(b"PK", "archive.zip")
    with pytest.raises(UnreadableDocument, match="could not be read; it may be damaged"):
        document_text(b"not a workbook", "broken.xlsx")
    with pytest.raises(UnreadableDocument, match="larger than 20 MB"):
        document_text(b"x" * (MAX_DOCUMENT_BYTES + 1), "big.txt")


def test_html_body_becomes_readable_text_without_markup_or_styles() -> None:
    body = (
        "<html><head><style>p {color: red}</style></head><body><p>Hi Ada,</p>"
        "<div>the offer&nbsp;stands.<br>Jane</div><script>track()</script></body></html>"
    )
    assert html_text(body) == "Hi Ada,\n\nthe offer stands.\nJane"


def test_transcript_lines_name_their_speaker_once_per_turn() -> None:
    vtt = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Ada Lovelace>Shall we start?</v>\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\n<v Ada Lovelace>The pilot first.</v>\n\n"
        "00:00:06.000 --> 00:00:08.000\n<v Jane Doe>Agreed, March.</v>\n"
    )
    assert transcript_text(vtt) == (
        "Ada Lovelace: Shall we start? The pilot first.\nJane Doe: Agreed, March."
    )


def test_long_text_is_served_in_pages_that_say_how_to_read_on() -> None:
    text = "".join(f"line {n}\n" for n in range(1000))
    first = excerpt(text, limit=1000)
    assert first.text == text[:1000] and first.next_offset == 1000
    assert "call again with offset=1000" in first.render()
    last = excerpt(text, offset=first.total - 10, limit=1000)
    assert last.next_offset is None and last.text == text[-10:]
    assert excerpt("short").render() == "short"
