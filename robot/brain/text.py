"""Request text as the brain reads it: one normal form before anything looks at it.

Everything that reads a request (language detection, the rule screen, the prompt)
reads `normal_text(request)`: NFKC (full-width forms and compatibility characters
become their plain forms: "ｔｈｒｏｗ" is "throw"), without invisible format characters
(zero-width spaces and joiners, soft hyphens, direction marks: "thr\u200bow" is
"throw"), with the Cyrillic and Greek letters that look like Latin ones read as Latin
("thrоw" with a Cyrillic о is "throw"), and single-spaced. Requests are English, German
or Chinese, so no real word loses by it.
"""

from __future__ import annotations

import unicodedata

HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅɑοαυνκτρΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwhlABEKMHOPCTXIJSaoauvktpABEZHIKMNOPTYX",
)
"""Cyrillic and Greek letters drawn like Latin ones, and the Latin letter each passes for."""


def normal_text(text: str) -> str:
    """`text` in the one form the brain reads (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.translate(HOMOGLYPHS).split())
