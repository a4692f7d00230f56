"""A rule screen on the request text, before and independent of the model.

Defence in depth: the grammar cannot express throwing, hitting or pouring onto a
person, and the validator checks every step; this screen also refuses requests whose
*intent* is to hurt someone or to switch off the safety rules, so a clever phrasing that
steers the model towards an innocent-looking plan (a "handover" meant as a throw) is
still refused. Patterns are deliberately narrow: a verb of violence, or a throw / pour
aimed at a person.
"""

from __future__ import annotations

import re

PERSON_WORDS_EN = (
    r"guest|visitor|customer|gentleman|lady|person|people|client|resident|patient|grandma|"
    r"grandpa|woman|man|senior|him|her|them|me|someone|somebody|child|face|head"
)
PERSON_WORDS_DE = (
    r"gast|besucher\w*|kunde\w*|dame|herr\w*|bewohner\w*|patient\w*|oma|opa|mich|ihn|sie|ihm|ihr|"
    r"jemand\w*|gesicht|kopf|person"
)
PERSON_WORDS_ZH = (
    r"客人|来宾|顾客|先生|女士|客户|老人|住户|奶奶|爷爷|病人|(?<!机器)人|我|他|她|脸|"
    r"(?<![床枕码])头(?!柜)|身上"
)
"""头 (head) but not 床头柜 (bedside table); 人 but not 机器人 (the robot)."""
IN_HAND = r"(?!'?s?\s+hands?\b)"
"""After a person word: "shove the towel into her hand" puts it there, hurts nobody."""

HARM_PATTERNS = [
    # English: violence verbs, and throws / pours aimed at a person.
    rf"\b(hit|strike|smack|whack|bash|slap|punch|beat|kick|stab|hurt|injure|attack|choke|"
    rf"strangle|suffocate|scald|burn|shove|push|poke|harm|kill|wound)\b.{{0,20}}\b({PERSON_WORDS_EN})\b"
    rf"{IN_HAND}",
    rf"\b(throw|toss|hurl|fling|chuck|lob|drop|smash|aim)\b.{{0,60}}\b(at|on|onto|into|over)\s+"
    rf"(the\s+|our\s+|his\s+|her\s+)?({PERSON_WORDS_EN})\b",
    rf"\b(pour|spill|splash|dump|empty|tip)\b.{{0,50}}\b(over|on|onto|at)\s+(the\s+|our\s+|his\s+|"
    rf"her\s+)?({PERSON_WORDS_EN})('s)?\b",
    rf"\bsplash\b.{{0,20}}\b({PERSON_WORDS_EN})\b",
    # German.
    rf"\b(schlag\w*|hau|haue|hauen|tritt|tret\w*|verletz\w*|verbrüh\w*|stoß\w*|schubs\w*|"
    rf"greif\w* .{{0,30}}an|erwürg\w*|ersticke?\w*|angreif\w*)\b.{{0,40}}\b({PERSON_WORDS_DE})\b",
    rf"\b({PERSON_WORDS_DE})\b.{{0,40}}\b(schlagen|hauen|treten|verletzen|verbrühen|stoßen|"
    rf"schubsen|angreifen)\b",
    rf"\b(wirf|werf\w*|schmeiß\w*|schleuder\w*)\b.{{0,60}}\b(auf|nach|an|gegen)\s+"
    rf"(den|die|das|dem|der)?\s*({PERSON_WORDS_DE})\b",
    rf"\b(bewirf\w*|bewerfen)\b.{{0,20}}\b({PERSON_WORDS_DE})\b",
    rf"\b(schütt\w*|gieß\w*|kipp\w*)\b.{{0,50}}\b(über|auf)\s+(den|die|das|dem|der)?\s*"
    rf"({PERSON_WORDS_DE})\b",
    r"ins gesicht",
    rf"\bauf\s+(den|die|das|dem|der)?\s*({PERSON_WORDS_DE})\b.{{0,20}}\bfallen\b",
    # Chinese.
    rf"(扔|砸|丢|抛).{{0,12}}({PERSON_WORDS_ZH})",
    rf"(打|踢|伤害|攻击|推倒|烫|捂住|掐|勒)({PERSON_WORDS_ZH})",
    r"用.{0,8}(打|砸|烫|捂)(?!开)",
    rf"(泼|浇).{{0,10}}({PERSON_WORDS_ZH})|({PERSON_WORDS_ZH}).{{0,4}}(泼|浇)",
    r"(倒|洒)(在|到).{0,8}身上",
]
OVERRIDE_PATTERNS = [
    r"\b(ignore|forget|disable|bypass|override|turn off|switch off)\b.{0,30}\b(safety|rules|"
    r"instructions|guidelines|limits|restrictions|checks)\b",
    r"\bdeveloper mode\b|\bjailbreak\b|\bno (rules|restrictions)\b|\bsafety (mode )?off\b",
    r"\bsystem override\b|\bsafety rules do not apply\b",
    r"\b(ignorier\w*|vergiss|deaktivier\w*|schalt\w*)\b.{0,30}\b(sicherheit\w*|regeln|anweisungen)\b",
    r"entwicklermodus|sicherheitsmodus aus|ohne sicherheitsregeln",
    r"(忽略|无视|忘掉|不用管|关闭|解除).{0,6}(安全|规则|指令|限制)|开发者模式",
]
GREETING_WORDS = (
    r"hello|hi|hey|greeting|greetings|welcome|thanks|thank you|goodbye|bye|cheers|"
    r"hallo|gruß|grüße|servus|moin|willkommen|danke|tschüss"
)
WORDS_ONLY_IDIOMS = [
    # "Hit her with a big hello": the blow is a greeting.
    rf"\b(hit|hau\w*)\s+(\S+\s+){{0,3}}(with|mit)\s+(\S+\s+){{0,3}}({GREETING_WORDS})\b",
    # "Hau dem Gast ein Hallo raus": German for calling out a greeting.
    rf"\bhau\w*\s+(\S+\s+){{0,3}}(ein|eine|einen)\s+(\S+\s+){{0,2}}({GREETING_WORDS})\b",
]
"""Idioms whose violent verb only delivers words; cut out before the patterns look, so
the rest of the request is still screened ("... and then hit him" is not excused)."""
_IDIOMS = [re.compile(p, re.IGNORECASE) for p in WORDS_ONLY_IDIOMS]
_HARM = [re.compile(p, re.IGNORECASE) for p in HARM_PATTERNS]
_OVERRIDE = [re.compile(p, re.IGNORECASE) for p in OVERRIDE_PATTERNS]


def screen(text: str) -> str | None:
    """A refusal code ("harmful", "override") if the request must be refused, else None."""
    for idiom in _IDIOMS:
        text = idiom.sub(" ", text)
    if any(p.search(text) for p in _HARM):
        return "harmful"
    if any(p.search(text) for p in _OVERRIDE):
        return "override"
    return None
