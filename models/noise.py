"""How people actually type or say a request: politeness, long-winded and formal frames,
regional wording, speech (fillers, false starts, no punctuation), misspellings, chat.

Each language has one `style_*` entry point that picks a register at random and returns
the finished request. The plan never depends on the register, so every register is used
for refusals as much as for plans.
"""

from __future__ import annotations

import random
import re

from models import templates_de as DE
from models import templates_en as EN
from models import templates_zh as ZH
from models.textutil import TYPO_RATE, add_typos, common_choice, finish, tidy

NEUTRAL_PREFIX_EN = [
    "",
    "",
    "",
    "hey robot, ",
    "robot, ",
    "hi, ",
    "excuse me, ",
    "ok robot, ",
    "sorry, ",
    "so, ",
    "right, ",
    "listen, ",
]
"""Prefixes that need no verb after them (for "I need the towel", "tea for her")."""


def insert_fillers(words: list[str], fillers: list[str], rng: random.Random, n: int) -> list[str]:
    for _ in range(n):
        i = rng.randrange(0, len(words) + 1)
        f = rng.choice(fillers)
        if rng.random() < 0.5:
            f += ","
        words.insert(i, f)
    return words


def strip_punctuation(text: str) -> str:
    return tidy(re.sub(r"[.,!?;:]", " ", text))


# -- English -----------------------------------------------------------------------------------


def plain_en(rng: random.Random, text: str, imperative: bool) -> str:
    prefix = common_choice(rng, EN.POLITE_PREFIX if imperative else NEUTRAL_PREFIX_EN)
    suffix = common_choice(rng, EN.POLITE_SUFFIX)
    question = prefix.strip().lower().startswith(EN.QUESTION_STARTS)
    out = finish(prefix + text + suffix, rng, question)
    return add_typos(out, rng) if rng.random() < TYPO_RATE else out


def long_en(rng: random.Random, text: str, imperative: bool) -> str:
    pre = rng.choice(EN.PREAMBLE) if rng.random() < 0.4 or not imperative else ""
    if imperative and rng.random() < 0.85:
        frame = rng.choice(EN.LONG_FRAMES)
        body = frame.format(x=text)
        question = frame.lower().startswith(("could", "would", "do you"))
        return finish(pre + body, rng, question)
    return finish(pre + text + rng.choice(EN.POLITE_SUFFIX), rng)


def regional_en(rng: random.Random, text: str, imperative: bool) -> str:
    region = EN.REGIONAL[rng.choice(sorted(EN.REGIONAL))]
    for old, new in region["swap"].items():
        if rng.random() < 0.6:
            text = text.replace(old, new)
    prefix = rng.choice(region["prefix"]) if imperative and rng.random() < 0.6 else ""
    suffix = rng.choice(region["suffix"]) if rng.random() < 0.6 or not prefix else ""
    question = prefix.lower().startswith(("wid ye", "can ye", "can ya", "could you"))
    return finish(prefix + text + suffix, rng, question)


def speech_en(rng: random.Random, text: str, imperative: bool) -> str:
    words = text.split()
    if rng.random() < 0.2 and len(words) > 3:
        k = rng.randint(1, 3)
        words = [*words[:k], "-" if rng.random() < 0.5 else "...", *words]
    if rng.random() < 0.15 and len(words) > 2:
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    words = insert_fillers(words, EN.FILLERS, rng, rng.choice([1, 1, 2, 3]))
    out = " ".join(words)
    if rng.random() < 0.2 and len(words) > 4:
        tail = " ".join(w.strip(",.") for w in text.split()[-rng.randint(2, 3) :])
        out += ". " + rng.choice(EN.CONFIRM_TAIL).format(x=tail)
    if rng.random() < 0.3:
        out = rng.choice(["okay so ", "um ", "right, ", "so uh ", "hey, um, "]) + out
    if rng.random() < 0.6:
        return strip_punctuation(out).lower()
    return finish(out, rng)


def misspell_en(rng: random.Random, text: str, imperative: bool) -> str:
    words = text.split(" ")
    changed = 0
    for i, w in enumerate(words):
        key = w.lower().strip(",.!?")
        if key in EN.SPELLING and changed < 3 and rng.random() < 0.5:
            words[i] = w.replace(key, rng.choice(EN.SPELLING[key])) if key in w else w
            changed += 1
    out = " ".join(words)
    if rng.random() < 0.5:
        out = out.replace("'", "")
    if rng.random() < 0.5:
        out = add_typos(out, rng)
    if rng.random() < 0.3:
        out = rng.choice(["pls ", "plz ", "hey ", "can u "]) + out
    if rng.random() < 0.3:
        out += rng.choice([" thx", " pls", " ty", " thanks", " plz"])
    return strip_punctuation(out).lower() if rng.random() < 0.6 else finish(out, rng)


def chat_en(rng: random.Random, text: str, imperative: bool) -> str:
    out = text.lower()
    if rng.random() < 0.4 and imperative:
        out = rng.choice(["pls ", "plz ", "can u ", "cn you ", "u mind to "]) + out
    out += rng.choice(["", "", " pls", " thx", " ty", " :)", " 🙏", " asap", " k thx"])
    return strip_punctuation(out) if rng.random() < 0.7 else out


def style_en(rng: random.Random, text: str, imperative: bool) -> str:
    x = rng.random()
    if x < 0.44:
        return plain_en(rng, text, imperative)
    if x < 0.56:
        return long_en(rng, text, imperative)
    if x < 0.65:
        return regional_en(rng, text, imperative)
    if x < 0.8:
        return speech_en(rng, text, imperative)
    if x < 0.91:
        return misspell_en(rng, text, imperative)
    return chat_en(rng, text, imperative)


# -- German ------------------------------------------------------------------------------------


def dialect_de(rng: random.Random, text: str) -> str:
    region = DE.DIALECT[rng.choice(sorted(DE.DIALECT))]
    for pattern, new in region["swap"]:
        if rng.random() < 0.7:
            text = re.sub(pattern, new, text)
    if rng.random() < 0.4 and not text.endswith("?"):
        text = rng.choice(region["prefix"]) + text
    if rng.random() < 0.5:
        q = text.endswith("?")
        text = text.rstrip("?") + rng.choice(region["suffix"]) + ("?" if q else "")
    return finish(text, rng)


def speech_de(rng: random.Random, text: str) -> str:
    words = text.split()
    if rng.random() < 0.2 and len(words) > 3:
        k = rng.randint(1, 3)
        words = [*words[:k], "-" if rng.random() < 0.5 else "...", *words]
    if rng.random() < 0.12 and len(words) > 2:
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    words = insert_fillers(words, DE.FILLERS, rng, rng.choice([1, 1, 2, 3]))
    out = " ".join(words)
    if rng.random() < 0.2 and len(words) > 4:
        tail = " ".join(w.strip(",.?!") for w in text.split()[-rng.randint(2, 3) :])
        out = out.rstrip(".!") + ", ja? " + rng.choice(DE.CONFIRM_TAIL).format(x=tail)
    if rng.random() < 0.3:
        out = rng.choice(["also ", "äh ", "so, ", "ähm, ", "pass auf, "]) + out
    return strip_punctuation(out).lower() if rng.random() < 0.6 else finish(out, rng)


def misspell_de(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    changed = 0
    for i, w in enumerate(words):
        key = w.strip(",.!?")
        if key in DE.SPELLING and changed < 3 and rng.random() < 0.5:
            words[i] = w.replace(key, rng.choice(DE.SPELLING[key]))
            changed += 1
    out = " ".join(words)
    if rng.random() < 0.35:
        table = rng.choice(
            [{"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}, {"ä": "a", "ö": "o", "ü": "u", "ß": "s"}]
        )
        for old, new in table.items():
            out = out.replace(old, new)
    if rng.random() < 0.5:
        out = add_typos(out, rng)
    return strip_punctuation(out).lower() if rng.random() < 0.7 else finish(out, rng)


def style_de(rng: random.Random, text: str) -> str:
    x = rng.random()
    if x < 0.58:
        out = finish(text, rng, question=text.rstrip().endswith("?"))
        return add_typos(out, rng) if rng.random() < TYPO_RATE else out
    if x < 0.7:
        return dialect_de(rng, text)
    if x < 0.84:
        return speech_de(rng, text)
    if x < 0.94:
        return misspell_de(rng, text)
    out = text.lower() + rng.choice(["", "", " pls", " danke", " thx", " :)", " bitte"])
    return strip_punctuation(out)


# -- Chinese -------------------------------------------------------------------------------------

ZH_PUNCT = "，。！？、；：…—"


def strip_zh(text: str) -> str:
    return re.sub(f"[{ZH_PUNCT}]+", rnd_sep(text), text).strip()


def rnd_sep(text: str) -> str:
    return " " if len(text) % 3 == 0 else ""


def end_zh(rng: random.Random, text: str, question: bool) -> str:
    text = text.rstrip("，")
    if text[-1:] in "。！？":
        return text
    return text + ("？" if question else rng.choice(["。", "。", "！", ""]))


def plain_zh(rng: random.Random, text: str, imperative: bool) -> str:
    prefix = common_choice(rng, ZH.POLITE_PREFIX if imperative else ZH.DECL_PREFIX)
    suffix = common_choice(rng, ZH.POLITE_SUFFIX)
    if prefix.startswith("帮我") and text.startswith("帮"):
        prefix = ""
    question = prefix in ("你能", "能不能", "可以", "能否请你") or suffix in (
        "，好吗",
        "好吗",
        "，行吗",
        "，可以吗",
        "，好不好",
    )
    if prefix == "可以" and not question:
        suffix = "吗"
        question = True
    return end_zh(rng, prefix + text + suffix, question)


def long_zh(rng: random.Random, text: str, imperative: bool) -> str:
    pre = rng.choice(ZH.PREAMBLE) if rng.random() < 0.4 or not imperative else ""
    if imperative and rng.random() < 0.85:
        frame = rng.choice(ZH.LONG_FRAMES)
        return end_zh(rng, pre + frame.format(x=text), frame.endswith("吗"))
    return end_zh(rng, pre + text, False)


def regional_zh(rng: random.Random, text: str, imperative: bool, dialect: str) -> str:
    if dialect == "yue":
        for old, new in ZH.YUE["swaps"]:
            if rng.random() < 0.6:
                text = text.replace(old, new)
        prefix = rng.choice(ZH.YUE["prefix"]) if imperative else ""
        out = end_zh(rng, prefix + text + rng.choice(ZH.YUE["suffix"]), False)
    elif dialect == "ne":
        for old, new in ZH.NORTHEAST["swaps"]:
            if rng.random() < 0.3:
                text = text.replace(old, new, 1)
        prefix = rng.choice(ZH.NORTHEAST["prefix"])
        out = end_zh(rng, prefix + text + rng.choice(ZH.NORTHEAST["suffix"]), False)
    else:
        prefix = rng.choice(ZH.TAIWAN["prefix"]) if imperative else ""
        if prefix.endswith("帮我") and text.startswith("帮"):
            prefix = ""
        out = end_zh(rng, prefix + text + rng.choice(ZH.TAIWAN["suffix"]), False)
    if dialect in ("yue", "tw") and rng.random() < 0.35:
        out = out.translate(ZH.TRADITIONAL)
    return out


def speech_zh(rng: random.Random, text: str, imperative: bool) -> str:
    out = text
    for _ in range(rng.choice([1, 1, 2, 3])):
        spots = [0] + [i + 1 for i, ch in enumerate(out) if ch in "，把给往将先再"]
        i = rng.choice(spots)
        filler = rng.choice(ZH.FILLERS) + rng.choice(["，", "……", "", " "])
        out = out[:i] + filler + out[i:]
    if rng.random() < 0.2:
        k = rng.randint(1, 3)
        out = out[:k] + "……" + out
    if rng.random() < 0.2 and len(text) > 6:
        tail = text[-rng.randint(2, 4) :].strip("，。")
        out += "，" + rng.choice(ZH.CONFIRM_TAIL).format(x=tail)
    if rng.random() < 0.55:
        return strip_zh(out)
    return end_zh(rng, out, False)


def misspell_zh(rng: random.Random, text: str, imperative: bool) -> str:
    keys = [k for k in ZH.SPELLING if k in text]
    for k in rng.sample(keys, min(len(keys), rng.choice([1, 1, 2]))):
        text = text.replace(k, rng.choice(ZH.SPELLING[k]), 1)
    return strip_zh(text) if rng.random() < 0.6 else end_zh(rng, text, False)


def style_zh(rng: random.Random, text: str, imperative: bool, dialect: str = "") -> str:
    if dialect and rng.random() < 0.8:
        return regional_zh(rng, text, imperative, dialect)
    x = rng.random()
    if x < 0.5:
        return plain_zh(rng, text, imperative)
    if x < 0.63:
        return long_zh(rng, text, imperative)
    if x < 0.8:
        return speech_zh(rng, text, imperative)
    if x < 0.92:
        return misspell_zh(rng, text, imperative)
    prefix = rng.choice(["", "", "帮我", "请"]) if imperative and not text.startswith("帮") else ""
    return strip_zh(prefix + text + rng.choice(["", "", "谢谢", "哈"]))
