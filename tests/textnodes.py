"""The words a page shows, text node by text node, for finding English left on a translated page (ADR 27).

Text inside an element marked with another language (a safety message shown in English, marked lang="en"; the
language switcher's names, each in its own language) is left out: it is in that language on purpose. So is
text a screen reader would not read (script, style, hidden elements).
"""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIPPED = {"script", "style", "template", "svg"}
# Text that is the same in every language: numbers, phone numbers, references, times, marks.
LANGUAGE_FREE = re.compile(r"^[\d\s+()?:.,\-/!*%]*$|^SH-\d{4}-\d{6,}$|^Safehub$|^-$")


class _TextNodes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page_language = None
        self.stack = []  # (tag, skipped)
        self.nodes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_language = attrs.get("lang")
            return
        if tag in VOID:
            return
        parent_skipped = bool(self.stack) and self.stack[-1][1]
        other_language = "lang" in attrs and attrs["lang"] != self.page_language
        hidden = "hidden" in attrs or attrs.get("aria-hidden") == "true"
        self.stack.append((tag, parent_skipped or other_language or hidden or tag in SKIPPED))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            return
        text = " ".join(data.split())
        if text:
            self.nodes.append(text)


def text_nodes(html):
    """The page's shown text nodes (whitespace collapsed), in order."""
    parser = _TextNodes()
    parser.feed(html)
    return parser.nodes


def english_left(translated_html, english_html, allowed=()):
    """Text nodes of the translated page that are word for word on the English page, except names, numbers,
    references and the allowed ones."""
    english = set(text_nodes(english_html))
    return [node for node in text_nodes(translated_html)
            if node in english and not LANGUAGE_FREE.match(node) and node not in allowed]
