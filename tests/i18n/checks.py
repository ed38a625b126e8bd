"""Helpers of the translation tests: English words a template shows without marking them,
and the .po file as (context, msgid, translations, source files)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

PLACEHOLDER = "\u00a4"  # stands for a {{ variable }} or a {% tag %} in the template's text
# Words that are the same in every language: units, standards, names of formats and chains.
UNTRANSLATED_WORDS = frozenset(
    {
        *("USD", "UTC", "ISIN", "LEI", "SHA", "API", "CSV", "JSON", "HTML", "Markdown"),
        *("NYSE", "EVM", "Solana", "xStocks", "Atom", "PDF", "JPEG", "PNG", "MB", "EIP"),
        "ed25519",
    }
)
# Attributes a reader sees or hears.
SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
SKIPPED_ELEMENTS = ("script", "style", "code", "pre")
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def template_text(source: str) -> str:
    """The template with every {{ variable }} and {% tag %} replaced by PLACEHOLDER and
    the text inside {% blocktranslate %} and {% comment %} left out: what is left is the
    text the template shows as written."""
    parts: list[str] = []
    translating = commenting = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in {"blocktranslate", "blocktrans"}:
                translating = True
                parts.append(PLACEHOLDER)
            elif name in {"endblocktranslate", "endblocktrans"}:
                translating = False
            elif name == "comment":
                commenting = True
            elif name == "endcomment":
                commenting = False
            elif not translating:
                parts.append(PLACEHOLDER)
        elif token.token_type == TokenType.VAR:
            if not translating:
                parts.append(PLACEHOLDER)
        elif token.token_type == TokenType.TEXT and not (translating or commenting):
            parts.append(token.contents)
    return "".join(parts)


class _ShownText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.chunks: list[str] = []
        # An element marked translate="no" (the brand) and how deep its kind is nested.
        self.untranslated: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.untranslated and self.untranslated[0] == tag:
            self.untranslated = (tag, self.untranslated[1] + 1)
        elif self.untranslated is None and ("translate", "no") in attrs:
            self.untranslated = (tag, 1)
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1
        if self.untranslated and self.untranslated[0] == tag:
            depth = self.untranslated[1] - 1
            self.untranslated = (tag, depth) if depth else None

    def handle_data(self, data: str) -> None:
        if not self.skipping and self.untranslated is None:
            self.chunks.append(data)


def shown_text(html: str) -> list[str]:
    """Text nodes and shown attributes of an HTML document or fragment (not inside script,
    style, code or pre, nor an element marked translate="no")."""
    parser = _ShownText()
    parser.feed(html)
    parser.close()
    return [c for c in parser.chunks if c.strip()]


def english_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w not in UNTRANSLATED_WORDS]


def unmarked_words(path: Path) -> list[str]:
    """English words a template (HTML or plain-text e-mail) shows without marking them."""
    text = template_text(path.read_text())
    chunks = shown_text(text) if path.suffix == ".html" else [text]
    return [w for chunk in chunks for w in english_words(chunk)]


@dataclass
class Entry:
    context: str | None
    msgid: str
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    files: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (not its header), enough for the tests."""
    entries: list[Entry] = []
    block: dict[str, list[str]] = {}
    flags: list[str] = []
    files: set[str] = set()
    current = ""

    def flush() -> None:
        nonlocal block, flags, files
        if "msgid" in block and "".join(block["msgid"]):
            strs = [
                "".join(v)
                for k, v in sorted(block.items())
                if k == "msgstr" or k.startswith("msgstr[")
            ]
            context = "".join(block["msgctxt"]) if "msgctxt" in block else None
            entries.append(Entry(context, "".join(block["msgid"]), strs, "fuzzy" in flags, files))
        block, flags, files = {}, [], set()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            flush()
        elif line.startswith("#,"):
            flags += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#:"):
            files |= {ref.rsplit(":", 1)[0] for ref in line[2:].split()}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            block[current].append(json.loads(line))
        else:
            current, _, value = line.partition(" ")
            block[current] = [json.loads(value)]
    return entries


def committed_po(language: str = "zh_Hant") -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


PLACEHOLDER_OR_TAG = re.compile(r"%\([a-z_]+\)[sdr]|<[^>]+>")
ROOT = Path(settings.BASE_DIR)


def templates_of(response) -> set[str]:
    """The template files a test-client response was rendered from, includes too."""
    return {str(Path(t.origin.name).relative_to(ROOT)) for t in response.templates if t.origin}


def english_left(response, published: Iterable[str] = ()) -> list[str]:
    """Phrases (two words or more between placeholders and tags) of the msgids of the
    response's own templates that are still on the page in English: none when every
    string was translated. Plus every word its templates show unmarked. `published`:
    data shown as published (it may hold such a phrase), taken out of the page first."""
    templates = templates_of(response)
    left = [f"{t}: {w}" for t in sorted(templates) for w in unmarked_words(ROOT / t)]
    text = unescape(" ".join(shown_text(response.content.decode())))
    for data in sorted(published, key=len, reverse=True):
        text = text.replace(data, " ")
    for entry in read_po(committed_po()):
        if entry.files & templates:
            for chunk in PLACEHOLDER_OR_TAG.split(entry.msgid):
                if len(english_words(chunk)) >= 2 and chunk.strip() in text:
                    left.append(chunk.strip())
    return left
