"""What the robot says, in the language of the request (en, de, zh).

Language is detected cheaply from the script and a few function words; the model never
writes free text, so everything said comes from these templates.
"""

from __future__ import annotations

import re

from core.catalogue import load_scene
from core.catalogue.types import Thing
from core.errors import ConfigError
from core.msgs import Step

LANGUAGES = ("en", "de", "zh")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
GERMAN_HINTS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "und",
        "bitte",
        "gib",
        "stell",
        "leg",
        "bring",
        "gieß",
        "gieße",
        "füll",
        "tasse",
        "kanne",
        "tee",
        "auf",
        "mit",
        "zum",
        "zur",
        "ins",
        "aufs",
        "nicht",
        "ich",
        "du",
        "mir",
        "dich",
        "sie",
        "es",
        "ist",
        "wirf",
        "hau",
        "schlag",
        "sag",
        "tisch",
        "korb",
        "glas",
        "handtuch",
        "gast",
        "bewohner",
        "bewohnerin",
        "kannst",
        "könntest",
        "würdest",
        "fahr",
        "geh",
    ]
)
ENGLISH_HINTS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "please",
        "give",
        "put",
        "place",
        "pour",
        "bring",
        "hand",
        "fill",
        "cup",
        "into",
        "onto",
        "on",
        "to",
        "it",
        "me",
        "you",
        "with",
        "of",
        "is",
        "not",
        "throw",
        "hit",
        "say",
        "go",
        "home",
        "table",
        "tray",
        "guest",
        "resident",
        "can",
        "could",
        "would",
    ]
)


def language_of(text: str, given: str = "") -> str:
    """`given` when it is one of ours (the source knew it), else what `text` looks like."""
    return given if given in LANGUAGES else detect_language(text)


def detect_language(text: str) -> str:
    """ "zh" when Chinese characters outweigh Latin words, else "de" or "en" by hints."""
    cjk = len(CJK.findall(text))
    words = [w.lower() for w in LATIN_WORD.findall(text)]
    if cjk and cjk >= len(words):
        return "zh"
    if any(c in text for c in "äöüßÄÖÜ"):
        return "de"
    de = sum(w in GERMAN_HINTS for w in words)
    en = sum(w in ENGLISH_HINTS for w in words)
    return "de" if de > en else "en"


SAY_TEXT = {
    "hello": {"en": "Hello!", "de": "Hallo!", "zh": "你好！"},
    "goodbye": {"en": "Goodbye!", "de": "Auf Wiedersehen!", "zh": "再见！"},
    "thanks": {"en": "Thank you!", "de": "Danke schön!", "zh": "谢谢！"},
    "welcome": {"en": "Welcome!", "de": "Herzlich willkommen!", "zh": "欢迎光临！"},
    "enjoy": {"en": "Enjoy!", "de": "Guten Appetit!", "zh": "请慢用！"},
}


COLOUR_NAMES: dict[str, dict[str, str]] = {
    "red": {"en": "red", "de": "rot", "zh": "红色"},
    "blue": {"en": "blue", "de": "blau", "zh": "蓝色"},
    "green": {"en": "green", "de": "grün", "zh": "绿色"},
    "yellow": {"en": "yellow", "de": "gelb", "zh": "黄色"},
    "white": {"en": "white", "de": "weiß", "zh": "白色"},
    "black": {"en": "black", "de": "schwarz", "zh": "黑色"},
    "brown": {"en": "brown", "de": "braun", "zh": "棕色"},
    "grey": {"en": "grey", "de": "grau", "zh": "灰色"},
    "orange": {"en": "orange", "de": "orange", "zh": "橙色"},
    "purple": {"en": "purple", "de": "violett", "zh": "紫色"},
}
"""A catalogue colour (`names.colour`) in each language; German gives the adjective's stem."""


LIQUID_NAMES: dict[str, dict[str, str]] = {
    "tea": {"en": "tea", "de": "Tee", "zh": "茶"},
    "water": {"en": "water", "de": "Wasser", "zh": "水"},
    "milk": {"en": "milk", "de": "Milch", "zh": "牛奶"},
}
"""A catalogue liquid (`container.liquid`) in each language; others are said as written."""
FULL_OF = {"en": "full of {}", "de": "voller {}", "zh": "装着{}"}
"""How the prompt's listing says what a full vessel holds."""


def _thing(entity: str, scene: str) -> Thing | None:
    """`entity` of `scene` as the catalogue describes it, or None if it does not."""
    try:
        return load_scene(scene).things[entity]
    except (ConfigError, KeyError):
        return None


def full_of(entity: str, scene: str, lang: str) -> str:
    """What a vessel that starts full holds, said in `lang` ("milk"), or "" for any other
    thing (the planner pours from the thing whose listing says so)."""
    thing = _thing(entity, scene)
    container = thing.container if thing is not None else None
    if container is None or container.fill_at_start <= 0:
        return ""
    return LIQUID_NAMES.get(container.liquid, {}).get(lang, container.liquid)


def colour_of(entity: str, scene: str) -> str:
    """The colour people tell `entity` by (its catalogue `names.colour`), or ""."""
    thing = _thing(entity, scene)
    return thing.names.colour if thing is not None and thing.names is not None else ""


def name(entity: str, lang: str, scene: str) -> str:
    """How to call an entity of `scene` in a sentence (its catalogue `names.say`);
    names the catalogue does not know are spelled out."""
    thing = _thing(entity, scene)
    said = thing.names.say if thing is not None and thing.names is not None else {}
    return said.get(lang) or said.get("en") or entity.replace("_", " ")


def say_text(code: str, lang: str) -> str:
    return SAY_TEXT[code].get(lang, SAY_TEXT[code]["en"])


STEP_TEXT = {
    "pick": {"en": "Picking up {object}.", "de": "Ich nehme {object}.", "zh": "拿起{object}。"},
    "place": {
        "en": "Putting {object} on {target}.",
        "de": "Ich stelle {object} auf {target}.",
        "zh": "把{object}放到{target}上。",
    },
    "pour": {
        "en": "Pouring from {source} into {target}.",
        # Names are accusative (names.say): "aus" would want the dative.
        "de": "Ich nehme {source} und gieße in {target}.",
        "zh": "从{source}倒进{target}。",
    },
    "handover": {
        "en": "Handing {object} to {person}.",
        "de": "Ich gebe {object} an {person}.",
        "zh": "把{object}递给{person}。",
    },
    "go_home": {
        "en": "Going back home.",
        "de": "Ich fahre in die Ausgangsposition.",
        "zh": "回到初始位置。",
    },
}


def narrate(step: Step, lang: str, scene: str) -> str:
    """One sentence about a motion step in `scene`, for an `Utterance`."""
    template = STEP_TEXT[step.skill].get(lang, STEP_TEXT[step.skill]["en"])
    return template.format(**{k: name(v, lang, scene) for k, v in step.args.items()})


REFUSAL_TEXT = {
    "harmful": {
        "en": "I won't do that: it could hurt someone.",
        "de": "Das mache ich nicht: Es könnte jemanden verletzen.",
        "zh": "我不能这样做：这可能会伤害到人。",
    },
    "unknown": {
        "en": "I can't do that: I don't see that here.",
        "de": "Das kann ich nicht: Das sehe ich hier nicht.",
        "zh": "我做不到：这里没有这个东西。",
    },
    "impossible": {
        "en": "I can't do that with what I have here.",
        "de": "Das kann ich hier nicht tun.",
        "zh": "我在这里做不到这件事。",
    },
    "override": {
        "en": "I won't switch off my safety rules.",
        "de": "Meine Sicherheitsregeln schalte ich nicht ab.",
        "zh": "我不会关闭我的安全规则。",
    },
    "timeout": {
        "en": "I couldn't finish planning that in time; please ask again.",
        "de": "Ich bin mit der Planung nicht rechtzeitig fertig geworden; bitte noch einmal.",
        "zh": "我没能及时想好怎么做，请再说一次。",
    },
    "too_long": {
        "en": "That request is too long for me; please say it in fewer words.",
        "de": "Diese Bitte ist mir zu lang; bitte sag es mit weniger Worten.",
        "zh": "这个请求对我来说太长了，请说得简短一些。",
    },
    "invalid": {
        "en": "I couldn't make a safe plan for that.",
        "de": "Dafür konnte ich keinen sicheren Plan machen.",
        "zh": "我无法为此制定安全的计划。",
    },
}


def refusal_text(code: str, lang: str) -> str:
    texts = REFUSAL_TEXT.get(code, REFUSAL_TEXT["invalid"])
    return texts.get(lang, texts["en"])


EVENT_TEXT = {
    "start": {"en": "Okay, I'll do that.", "de": "Okay, mache ich.", "zh": "好的，我来做。"},
    "done": {"en": "Done.", "de": "Fertig.", "zh": "完成了。"},
    "replan": {
        "en": "That didn't work. Let me try again.",
        "de": "Das hat nicht geklappt. Ich versuche es noch einmal.",
        "zh": "没有成功，我再试一次。",
    },
    "give_up": {
        "en": "Sorry, I couldn't finish that.",
        "de": "Entschuldigung, das habe ich nicht geschafft.",
        "zh": "抱歉，我没能完成。",
    },
}


def event_text(event: str, lang: str) -> str:
    return EVENT_TEXT[event].get(lang, EVENT_TEXT[event]["en"])
