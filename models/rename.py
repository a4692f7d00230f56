"""Renamed things: some examples call a scene's things by other names, so the planner
learns to read names from the prompt's scene listing rather than memorise them.

An example renames one to three of its scene's things, each to an alias of the same
role (a cup stays something to pour into, the teapot something full to pour from); the
request says the alias, the prompt lists it (`robot.brain.prompt.scene_text`) and the plan
uses its plan word. The aliases never include the names of scenes the planner is
evaluated on untrained (breakfast: milk jug, mug, bowl, plate, serving tray, kitchen
table, diner), so that scene's figures measure grounding, not memory.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core.catalogue import load_scene
from core.catalogue.types import GermanNoun
from core.scenes import SceneSpec
from models import lexicon as L
from robot.brain.prompt import listed_name

RENAME_RATE = 0.35
"""Share of examples that rename some of their scene's things."""
MOST_RENAMED = 3
LANGS = ("en", "de", "zh")


@dataclass(frozen=True)
class Alias:
    """Another name for a thing: its plan word and what people call it.

    de: (accusative, dative, nominative, gender). on: for a surface, the English and
    German prepositions and the Chinese postposition ("on"/"auf"/"上" or "in"/"in"/"里").
    """

    word: str
    en: str
    de: tuple[str, str, str, str]
    zh: str
    on: tuple[str, str, str] = ("on", "auf", "上")
    liquid: tuple[str, str, str] = ("", "", "")
    """For a vessel: what it holds, in en, de, zh; requests say it for the scene's liquid."""

    def said(self, lang: str) -> str:
        """Its name in `lang`, as the catalogue's `names.say` gives one (German accusative)."""
        return {"en": self.en, "de": self.de[0], "zh": self.zh}[lang]


def _de(acc: str, dat: str, gender: str, nom: str = "") -> tuple[str, str, str, str]:
    return (acc, dat, nom or acc, gender)


IN = ("in", "in", "里")
WATER = ("water", "Wasser", "水")
COFFEE = ("coffee", "Kaffee", "咖啡")
JUICE = ("juice", "Saft", "果汁")
SCENE_LIQUID = {
    "tea": {"en": r"\btea\b", "de": r"\bTee\b", "zh": r"茶(?![壶杯盘几])"},
    "water": {"en": r"\bwater\b", "de": r"\bWasser\b", "zh": r"(?<![水])水(?![杯壶瓶])"},
}
"""Where a request says the scene's liquid (as the catalogue names it), by language."""
ALIASES: dict[str, list[Alias]] = {
    "object": [
        Alias(
            "sponge", "the sponge", _de("den Schwamm", "dem Schwamm", "m", "der Schwamm"), "海绵"
        ),
        Alias("book", "the book", _de("das Buch", "dem Buch", "n"), "书"),
        Alias("remote", "the remote", _de("die Fernbedienung", "der Fernbedienung", "f"), "遥控器"),
        Alias("phone", "the phone", _de("das Handy", "dem Handy", "n"), "手机"),
        Alias("apple", "the apple", _de("den Apfel", "dem Apfel", "m", "der Apfel"), "苹果"),
        Alias("napkin", "the napkin", _de("die Serviette", "der Serviette", "f"), "餐巾"),
        Alias("candle", "the candle", _de("die Kerze", "der Kerze", "f"), "蜡烛"),
        Alias("soap", "the soap", _de("die Seife", "der Seife", "f"), "肥皂"),
        Alias("lemon", "the lemon", _de("die Zitrone", "der Zitrone", "f"), "柠檬"),
        Alias("hairbrush", "the hairbrush", _de("die Haarbürste", "der Haarbürste", "f"), "梳子"),
        Alias("wallet", "the wallet", _de("die Geldbörse", "der Geldbörse", "f"), "钱包"),
        Alias("notebook", "the notebook", _de("das Notizbuch", "dem Notizbuch", "n"), "笔记本"),
        Alias(
            "toy_car", "the toy car", _de("das Spielzeugauto", "dem Spielzeugauto", "n"), "玩具车"
        ),
        Alias(
            "tissue_box",
            "the box of tissues",
            _de("die Taschentuchbox", "der Taschentuchbox", "f"),
            "纸巾盒",
        ),
        Alias(
            "glasses_case",
            "the glasses case",
            _de("das Brillenetui", "dem Brillenetui", "n"),
            "眼镜盒",
        ),
    ],
    "container": [
        Alias("wine_glass", "the wine glass", _de("das Weinglas", "dem Weinglas", "n"), "酒杯"),
        Alias(
            "coffee_cup", "the coffee cup", _de("die Kaffeetasse", "der Kaffeetasse", "f"), "咖啡杯"
        ),
        Alias(
            "espresso_cup",
            "the espresso cup",
            _de("die Espressotasse", "der Espressotasse", "f"),
            "小咖啡杯",
        ),
        Alias("vase", "the vase", _de("die Vase", "der Vase", "f"), "花瓶"),
        Alias(
            "cooking_pot",
            "the cooking pot",
            _de("den Kochtopf", "dem Kochtopf", "m", "der Kochtopf"),
            "汤锅",
        ),
        Alias(
            "jam_jar", "the jam jar", _de("das Marmeladenglas", "dem Marmeladenglas", "n"), "果酱瓶"
        ),
        Alias("bucket", "the bucket", _de("den Eimer", "dem Eimer", "m", "der Eimer"), "水桶"),
        Alias(
            "travel_cup", "the travel cup", _de("die Reisetasse", "der Reisetasse", "f"), "保温杯"
        ),
    ],
    "vessel": [
        Alias(
            "kettle",
            "the kettle",
            _de("den Wasserkocher", "dem Wasserkocher", "m", "der Wasserkocher"),
            "电水壶",
            liquid=WATER,
        ),
        Alias(
            "water_bottle",
            "the water bottle",
            _de("die Wasserflasche", "der Wasserflasche", "f"),
            "水瓶",
            liquid=WATER,
        ),
        Alias(
            "coffee_pot",
            "the coffee pot",
            _de("die Kaffeekanne", "der Kaffeekanne", "f"),
            "咖啡壶",
            liquid=COFFEE,
        ),
        Alias(
            "carafe", "the carafe", _de("die Karaffe", "der Karaffe", "f"), "玻璃水瓶", liquid=WATER
        ),
        Alias(
            "juice_bottle",
            "the juice bottle",
            _de("die Saftflasche", "der Saftflasche", "f"),
            "果汁瓶",
            liquid=JUICE,
        ),
        Alias(
            "thermos",
            "the thermos",
            _de("die Thermoskanne", "der Thermoskanne", "f"),
            "保温壶",
            liquid=COFFEE,
        ),
        Alias(
            "watering_can",
            "the watering can",
            _de("die Gießkanne", "der Gießkanne", "f"),
            "浇水壶",
            liquid=WATER,
        ),
    ],
    "surface": [
        Alias("shelf", "the shelf", _de("das Regal", "dem Regal", "n"), "架子"),
        Alias("counter", "the counter", _de("die Theke", "der Theke", "f"), "柜台"),
        Alias(
            "windowsill", "the windowsill", _de("die Fensterbank", "der Fensterbank", "f"), "窗台"
        ),
        Alias(
            "desk",
            "the desk",
            _de("den Schreibtisch", "dem Schreibtisch", "m", "der Schreibtisch"),
            "书桌",
        ),
        Alias("stool", "the stool", _de("den Hocker", "dem Hocker", "m", "der Hocker"), "凳子"),
        Alias(
            "cutting_board",
            "the cutting board",
            _de("das Schneidebrett", "dem Schneidebrett", "n"),
            "砧板",
        ),
        Alias("dresser", "the dresser", _de("die Kommode", "der Kommode", "f"), "五斗柜"),
        Alias("bench", "the bench", _de("die Bank", "der Bank", "f"), "长椅"),
        Alias("drawer", "the drawer", _de("die Schublade", "der Schublade", "f"), "抽屉", IN),
        Alias("crate", "the crate", _de("die Kiste", "der Kiste", "f"), "箱子", IN),
        Alias("sink", "the sink", _de("die Spüle", "der Spüle", "f"), "水槽", IN),
        Alias(
            "laundry_bag",
            "the laundry bag",
            _de("den Wäschesack", "dem Wäschesack", "m", "der Wäschesack"),
            "洗衣袋",
            IN,
        ),
    ],
}


def role_of(spec: SceneSpec, name: str) -> str:
    """Which ALIASES a thing (not a person) may take."""
    if name in spec.surfaces:
        return "surface"
    if name in spec.containers:
        return "container"
    if name in spec.vessels:
        return "vessel"
    return "object"


def choose(spec: SceneSpec, rng: random.Random) -> dict[str, Alias]:
    """Aliases for one to three of the scene's things (none at RENAME_RATE's complement)."""
    if rng.random() >= RENAME_RATE:
        return {}
    # Persons are not renamed: context sentences ("the patient is awake") name them,
    # and a plan's handover can name only the scene's one person anyway.
    things = sorted(spec.entities - spec.persons)
    names = rng.sample(things, rng.randint(1, MOST_RENAMED))
    out: dict[str, Alias] = {}
    for name in names:
        taken = {a.word for a in out.values()}
        pool = [a for a in ALIASES[role_of(spec, name)] if a.word not in taken]
        out[name] = rng.choice(pool)
    return out


def with_liquids(text: str, lang: str, spec: SceneSpec, aliases: dict[str, Alias]) -> str:
    """`text` with the liquid of each renamed vessel said as the alias's ("pour coffee")."""
    for name, alias in aliases.items():
        thing = load_scene(spec.name).things[name]
        if not alias.liquid[0] or thing.container is None:
            continue
        pattern = SCENE_LIQUID[thing.container.liquid][lang]
        said = alias.liquid[LANGS.index(lang)]
        text = re.sub(pattern, said, text, flags=re.IGNORECASE)
    return text


def says_any(text: str, aliases: Iterable[Alias]) -> bool:
    """`text` names one of `aliases` in any language."""
    low = text.lower()
    return any(listed_name(said) in low for a in aliases for said in (a.en, a.de[0], a.de[1], a.zh))


def _entries(alias: Alias) -> dict[str, object]:
    acc, dat, nom, gender = alias.de
    en_on, de_on, zh_on = alias.on
    return {
        "EN_NP": [alias.en],
        "DE_NP": [L.de_noun(GermanNoun(acc=acc, dat=dat, gender=gender, nom=nom))],
        "ZH_NP": [alias.zh],
        "EN_SURFACE_PREP": [en_on],
        "DE_SURFACE_PP": [f"{de_on} {acc}"],
        "ZH_SURFACE_POST": zh_on,
    }


PATCHED = (
    "EN_NP",
    "DE_NP",
    "ZH_NP",
    "EN_SURFACE_PREP",
    "DE_SURFACE_PP",
    "ZH_SURFACE_POST",
    "CUP_COLOUR",
    "CUP_ORDINAL",
    "EN_DESC",
    "DE_DESC",
    "DE_DESC_ON",
    "ZH_DESC",
)
"""The lexicon's tables keyed by a thing's plan word, which a renaming swaps out."""


@contextmanager
def renamed(aliases: dict[str, Alias]) -> Iterator[None]:
    """The lexicon calls each renamed thing by its alias only, until the block ends.

    The realisers keep using the scene's plan words as keys; only what they say
    changes. Descriptions, colours and ordinals of a renamed thing are dropped.
    """
    saved = {t: dict(getattr(L, t)) for t in PATCHED}
    try:
        for name, alias in aliases.items():
            for table in PATCHED:
                getattr(L, table).pop(name, None)
            for table, value in _entries(alias).items():
                getattr(L, table)[name] = value
        yield
    finally:
        for table, entries in saved.items():
            getattr(L, table).clear()
            getattr(L, table).update(entries)
