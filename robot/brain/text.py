"""Request text as the brain reads it: one normal form before anything looks at it.

Everything that reads a request (language detection, the rule screen, the prompt)
reads `normal_text(request)`: NFKC (full-width forms and compatibility characters
become their plain forms: "ｔｈｒｏｗ" is "throw"), without invisible format characters
(zero-width spaces and joiners, soft hyphens, direction marks: "thr\u200bow" is
"throw"), with the Cyrillic and Greek letters that look like Latin ones read as Latin
("thrоw" with a Cyrillic о is "throw"), with typographic punctuation in the plain forms
a keyboard types (a dash is " - ", or a comma between Chinese characters; quotation
marks go, so 'say “hi”' reads as 'say hi'; a curly apostrophe is "'"), and
single-spaced. Requests are English, German or Chinese, so no real word loses by it.
"""

from __future__ import annotations

import re
import unicodedata

HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅɑοαυνκτρΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwhlABEKMHOPCTXIJSaoauvktpABEZHIKMNOPTYX",
)
"""Cyrillic and Greek letters drawn like Latin ones, and the Latin letter each passes for."""


QUOTES = str.maketrans({q: None for q in '"“”„‟«»「」『』'} | {"‘": "'", "’": "'", "‚": "'"})
"""Quotation marks dropped (what is quoted is read as words), curly apostrophes made plain."""
DASH = re.compile(r"\s*[‒–—―⸺⸻]+\s*")
"""A run of typographic dashes and the space around it."""
CJK = re.compile(r"[\u3400-\u9fff]")


def plain_dash(match: re.Match[str]) -> str:
    """A dash as typed: between Chinese characters a comma (as "——" reads there; NFKC has
    made "，" one), else " - "."""
    text, start, end = match.string, match.start(), match.end()
    between_cjk = (
        start > 0 and end < len(text) and CJK.match(text[start - 1]) and CJK.match(text[end])
    )
    return "," if between_cjk else " - "


def normal_text(text: str) -> str:
    """`text` in the one form the brain reads (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = DASH.sub(plain_dash, text.translate(QUOTES))
    return " ".join(text.translate(HOMOGLYPHS).split())
