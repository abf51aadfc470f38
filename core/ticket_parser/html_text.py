"""HTML to plain text, keeping the column layout of `<pre>` blocks (KIU receipts)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK_TAGS = {
    "p", "div", "tr", "br", "li", "ul", "ol", "table", "tbody", "thead", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "header", "footer",
}  # fmt: skip
CELL_TAGS = {"td", "th"}
SKIPPED_TAGS = {"style", "script", "head", "title"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pre_depth = 0
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag == "pre":
            self.parts.append("\n")
            self.pre_depth += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self.parts.append("\n")
        elif tag in CELL_TAGS:
            self.parts.append("\t")
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            # Fixed-width receipts rely on exact spacing inside <pre>.
            self.parts.append(data.replace("\r\n", "\n").replace("\xa0", " "))
        else:
            self.parts.append(re.sub(r"[ \t\r\n\xa0]+", " ", data))


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts)
    # Drop invisible preheader padding (zero-width characters) used by mail templates.
    text = re.sub("[\u200b-\u200f\u2060\ufeff\u034f]", "", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def looks_like_html(text: str) -> bool:
    head = text[:4096].lstrip().lower()
    return head.startswith("<") and bool(re.search(r"<(html|body|pre|table|div|p|!doctype)\b", head))
