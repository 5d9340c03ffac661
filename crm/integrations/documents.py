"""Text out of the files people keep in Microsoft 365 and Google Drive (Word, Excel, PowerPoint,
PDF, plain text and HTML), served to a model in pages of characters, never as base64.

Light libraries only: python-docx, openpyxl, pypdf, and the standard library for PowerPoint
(its slides are XML in a zip), HTML and WebVTT."""

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from xml.etree import ElementTree

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a larger file is not downloaded for its text
MAX_TEXT_CHARS = 2_000_000  # text kept from one document; the rest is cut off
DEFAULT_PAGE_CHARS = 20_000
MAX_PAGE_CHARS = 100_000

TEXT_SUFFIXES = frozenset(
    {".txt", ".md", ".csv", ".tsv", ".json", ".xml", ".yaml", ".yml", ".ics", ".vtt", ".log"}
)


class UnreadableDocument(Exception):
    """A file whose text cannot be had, with the reason as a sentence."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


@dataclass(frozen=True)
class Excerpt:
    """One page of a longer text: `text` starts at character `offset` of `total`."""

    text: str
    offset: int
    total: int
    truncated: bool = False  # the document had more text than MAX_TEXT_CHARS

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.text)
        return end if end < self.total else None

    def render(self) -> str:
        """The page with a line saying where it sits and how to read on."""
        end = self.offset + len(self.text)
        if self.offset == 0 and self.next_offset is None and not self.truncated:
            return self.text
        note = f"[characters {self.offset}–{end} of {self.total}"
        if self.next_offset is not None:
            note += f"; call again with offset={self.next_offset} for more"
        if self.truncated:
            note += f"; the document is longer, only its first {MAX_TEXT_CHARS} are readable"
        return f"{self.text}\n{note}]"


def excerpt(text: str, *, offset: int = 0, limit: int = DEFAULT_PAGE_CHARS) -> Excerpt:
    """The page of `text` from `offset`, at most `limit` characters."""
    truncated = len(text) > MAX_TEXT_CHARS
    text = text[:MAX_TEXT_CHARS]
    offset = max(0, min(offset, len(text)))
    return Excerpt(text[offset : offset + limit], offset, len(text), truncated)


def document_text(data: bytes, name: str, content_type: str | None = None) -> str:
    """The text of a file, by its name's suffix (or its content type for HTML and text)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UnreadableDocument(
            f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; "
            "open it in its application instead."
        )
    suffix = PurePosixPath(name.lower()).suffix
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        if suffix == ".docx":
            return _docx_text(data)
        if suffix in {".xlsx", ".xlsm"}:
            return _xlsx_text(data)
        if suffix == ".pptx":
            return _pptx_text(data)
        if suffix == ".pdf" or kind == "application/pdf":
            return _pdf_text(data)
        if suffix in {".html", ".htm"} or kind == "text/html":
            return html_text(_decode(data))
        if suffix == ".vtt" or kind == "text/vtt":
            return transcript_text(_decode(data))
        if suffix in TEXT_SUFFIXES or kind.startswith("text/") or kind == "application/json":
            return _decode(data)
    except UnreadableDocument:
        raise
    except Exception as exc:  # a damaged file fails inside the library in many ways
        raise UnreadableDocument(
            f"The file {name!r} could not be read; it may be damaged or not what its name says."
        ) from exc
    raise UnreadableDocument(
        f"Text cannot be read from {suffix or 'this kind of'} files; Word, Excel, PowerPoint, "
        "PDF, HTML and plain text files can be read."
    )


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _docx_text(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    size = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            if text and style.startswith("Heading"):
                level = style.removeprefix("Heading").strip()
                text = "#" * (int(level) if level.isdigit() else 1) + " " + text
            line = text
        elif isinstance(block, Table):
            line = "\n".join(
                " | ".join(cell.text.strip() for cell in row.cells) for row in block.rows
            )
        else:  # pragma: no cover
            continue
        lines.append(line)
        size += len(line) + 1
        if size > MAX_TEXT_CHARS:
            break
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[str] = []
    size = 0
    try:
        for sheet in workbook.worksheets:
            lines.append(f"## {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if value is None else str(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells:
                    continue
                line = "\t".join(cells)
                lines.append(line)
                size += len(line) + 1
                if size > MAX_TEXT_CHARS:
                    return "\n".join(lines)
    finally:
        workbook.close()
    return "\n".join(lines)


_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _pptx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        slides = sorted(
            (n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
            key=lambda n: int(re.findall(r"\d+", n)[-1]),
        )
        parts: list[str] = []
        for number, slide in enumerate(slides, start=1):
            root = ElementTree.fromstring(archive.read(slide))  # noqa: S314 (expat refuses entity bombs)
            paragraphs = [
                "".join(run.text or "" for run in p.iter(f"{_DRAWING}t"))
                for p in root.iter(f"{_DRAWING}p")
            ]
            text = "\n".join(p for p in paragraphs if p.strip())
            parts.append(f"## Slide {number}\n{text}".rstrip())
    return "\n\n".join(parts)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception as exc:
            raise UnreadableDocument(
                "The PDF is protected by a password; its text cannot be read."
            ) from exc
    parts: list[str] = []
    size = 0
    for number, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").strip()
        parts.append(f"## Page {number}\n{text}" if len(reader.pages) > 1 else text)
        size += len(text)
        if size > MAX_TEXT_CHARS:
            break
    return "\n\n".join(parts)


class _HTMLText(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    )
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """Readable text of an HTML e-mail body or page: blocks on their own lines, no markup."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]*)>(.*?)(?:</v>|$)", re.DOTALL)
_CUE_TIME = re.compile(r"^(\d{2}:)?\d{2}:\d{2}\.\d{3}\s+-->")


def transcript_text(vtt: str) -> str:
    """A WebVTT transcript (Teams, Meet) as "Speaker: words" lines, consecutive lines of one
    speaker joined, timings and cue numbers dropped."""
    lines: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", vtt.replace("\r\n", "\n")):
        rows = [r for r in block.strip().split("\n") if r.strip()]
        if not rows or rows[0].startswith(("WEBVTT", "NOTE", "STYLE")):
            continue
        timing = next((i for i, r in enumerate(rows) if _CUE_TIME.match(r)), None)
        if timing is None:
            continue
        cue = " ".join(rows[timing + 1 :])
        match = _VOICE.search(cue)
        speaker, words = (match.group(1).strip(), match.group(2)) if match else ("", cue)
        words = re.sub(r"<[^>]+>", "", words).strip()
        if not words:
            continue
        if lines and lines[-1][0] == speaker:
            lines[-1] = (speaker, f"{lines[-1][1]} {words}")
        else:
            lines.append((speaker, words))
    return "\n".join(f"{s}: {w}" if s else w for s, w in lines)
