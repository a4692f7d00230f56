"""Renamed things: some examples call a scene's things by other names, so the planner
learns to read names from the prompt's scene listing rather than memorise them.

An example renames one to three of its scene's things (and at times its person), or all
of them at once, each to an alias of the same role (a cup stays something to pour into,
the teapot something full to pour from); the request says the alias, the prompt lists it
(`robot.brain.prompt.scene_text`) and the plan uses its plan word. Half the aliases are
real names from a short list; the other half are made up on the spot ("the brolin jar",
"den Brolintopf", "卡洛罐"), so no closed set of names can be memorised and a name must be
copied from the listing. An alias may have a colour, which the listing gives and the
request may say ("the green brolin"). The aliases never include the names of scenes the
planner is evaluated on untrained (breakfast: milk jug, mug, bowl, plate, serving tray,
kitchen table, diner; jug and milk neither), so that scene's figures measure grounding,
not memory.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from core.catalogue import load_scene
from core.catalogue.types import GermanNoun
from core.scenes import SceneSpec
from models import lexicon as L
from robot.brain.prompt import Listed, listed_name
from robot.brain.speech import COLOUR_NAMES, full_of

RENAME_RATE = 0.45
"""Share of examples that rename some of their scene's things."""
MOST_RENAMED = 3
WHOLE_SCENE_RATE = 0.35
"""Share of renamings that rename every thing and the person: a scene none of whose names
the planner was trained on (as breakfast is) must look like one it has seen."""
EXTRA_SURFACE_RATE = 0.25
"""Share of examples whose scene has one more surface (`widened`): a scene may list any
number of places (breakfast lists three, the trained scenes two), and the planner must
read them all rather than count on two."""
LANGS = ("en", "de", "zh")


@dataclass(frozen=True)
class Alias:
    """Another name for a thing: its plan word and what people call it.

    de: (accusative, dative, nominative, gender). on: for a surface, the English and
    German prepositions and the Chinese postposition ("on"/"auf"/"上" or "in"/"in"/"里").
    colour: a `COLOUR_NAMES` key the listing gives and requests may say, or "".
    """

    word: str
    en: str
    de: tuple[str, str, str, str]
    zh: str
    on: tuple[str, str, str] = ("on", "auf", "上")
    liquid: tuple[str, str, str] = ("", "", "")
    """For a vessel: what it holds, in en, de, zh; requests say it for the scene's liquid."""
    colour: str = ""

    def said(self, lang: str) -> str:
        """Its name in `lang`, as the catalogue's `names.say` gives one (German accusative)."""
        return {"en": self.en, "de": self.de[0], "zh": self.zh}[lang]


def _de(acc: str, dat: str, gender: str, nom: str = "") -> tuple[str, str, str, str]:
    return (acc, dat, nom or acc, gender)


IN = ("in", "in", "里")
WATER = ("water", "Wasser", "水")
COFFEE = ("coffee", "Kaffee", "咖啡")
JUICE = ("juice", "Saft", "果汁")
LIQUIDS = [
    WATER,
    COFFEE,
    JUICE,
    ("lemonade", "Limonade", "柠檬水"),
    ("cocoa", "Kakao", "可可"),
    ("soup", "Suppe", "汤"),
    ("orange juice", "Orangensaft", "橙汁"),
    ("apple juice", "Apfelsaft", "苹果汁"),
    ("broth", "Brühe", "高汤"),
    ("cola", "Cola", "可乐"),
]
"""What a made-up vessel holds (never milk: the breakfast scene's liquid)."""
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
    "person": [
        Alias(
            "patient",
            "the patient",
            _de("den Patienten", "dem Patienten", "m", "der Patient"),
            "病人",
        ),
        Alias("anna", "Anna", _de("Anna", "Anna", "f"), "安娜"),
        Alias(
            "mr_weber", "Mr Weber", _de("Herrn Weber", "Herrn Weber", "m", "Herr Weber"), "韦伯先生"
        ),
        Alias("mrs_li", "Mrs Li", _de("Frau Li", "Frau Li", "f"), "李阿姨"),
        Alias("grandpa", "grandpa", _de("den Opa", "dem Opa", "m", "der Opa"), "爷爷"),
        Alias("child", "the child", _de("das Kind", "dem Kind", "n"), "小朋友"),
        Alias(
            "neighbour",
            "the neighbour",
            _de("den Nachbarn", "dem Nachbarn", "m", "der Nachbar"),
            "邻居",
        ),
        Alias("tom", "Tom", _de("Tom", "Tom", "m"), "汤姆"),
        Alias(
            "visitor",
            "the visitor",
            _de("den Besucher", "dem Besucher", "m", "der Besucher"),
            "访客",
        ),
    ],
}


MADE_UP_RATE = 0.5
"""Share of aliases made up on the spot rather than drawn from ALIASES."""
HEAD_RATE = 0.5
"""Share of made-up names that end in a real noun of their role ("the brolin jar")."""
COLOUR_RATE = 0.4
"""Share of renamed things (not persons) that are given a colour."""
PERSON_RATE = 0.3
"""Share of renamings that also rename the scene's person."""

ONSETS = ("b", "br", "d", "dr", "f", "fl", "g", "gl", "k", "kr", "l", "m", "n", "p", "pr")
ONSETS += ("r", "s", "sp", "st", "t", "tr", "v", "z")
VOWELS = ("a", "e", "i", "o", "u", "a", "o")
CODAS = ("", "", "", "n", "l", "r", "m", "s", "t", "k")
ZH_SOUNDS = "阿巴卡达嘉拉玛纳帕萨塔瓦亚扎克里斯特诺洛米尼莎多布图库鲁莫索贝格芙"
ARTICLE = {"m": ("den", "dem", "der"), "f": ("die", "der", "die"), "n": ("das", "dem", "das")}
"""German definite article by gender: accusative, dative, nominative."""

Head = tuple[str, str, str, str, tuple[str, str, str]]
"""A made-up name's last word: English, German (compounded), its gender, Chinese, and
for a surface where things go ("on" or "in")."""
ON = ("on", "auf", "上")
HEADS: dict[str, list[Head]] = {
    "object": [
        ("box", "Dose", "f", "盒", ON),
        ("ball", "Ball", "m", "球", ON),
        ("stick", "Stab", "m", "棒", ON),
        ("bag", "Beutel", "m", "袋", ON),
        ("block", "Klotz", "m", "块", ON),
        ("pack", "Packung", "f", "包", ON),
    ],
    "container": [
        ("cup", "Tasse", "f", "杯", ON),
        ("glass", "Glas", "n", "杯", ON),
        ("jar", "Glas", "n", "罐", ON),
        ("pot", "Topf", "m", "锅", ON),
        ("tub", "Wanne", "f", "盆", ON),
    ],
    "vessel": [
        ("pot", "Kanne", "f", "壶", ON),
        ("bottle", "Flasche", "f", "瓶", ON),
        ("can", "Kanne", "f", "壶", ON),
        ("flask", "Flasche", "f", "瓶", ON),
    ],
    "surface": [
        ("stand", "Ständer", "m", "架", ON),
        ("board", "Brett", "n", "板", ON),
        ("shelf", "Regal", "n", "架", ON),
        ("mat", "Matte", "f", "垫", ON),
        ("table", "Tisch", "m", "桌", ON),
        ("box", "Kiste", "f", "箱", IN),
        ("bin", "Tonne", "f", "桶", IN),
    ],
}


def role_of(spec: SceneSpec, name: str) -> str:
    """Which ALIASES a thing may take."""
    if name in spec.persons:
        return "person"
    if name in spec.surfaces:
        return "surface"
    if name in spec.containers:
        return "container"
    if name in spec.vessels:
        return "vessel"
    return "object"


def _untrained_words() -> frozenset[str]:
    """The words of the breakfast scene's plan words and names, and its liquid and jug."""
    words = {"milk", "milch", "jug", "krug"}
    for name, thing in load_scene("breakfast").things.items():
        words.update(name.split("_"))
        if thing.names is not None:
            words.update(w for said in thing.names.say.values() for w in listed_name(said).split())
    return frozenset(words)


UNTRAINED_WORDS = _untrained_words()
"""No made-up name may be one of these ("diner" can be made of syllables)."""


def made_up_stem(rng: random.Random) -> str:
    """A word that sounds like one but is none: "brolin", "tesk", "fladomur"."""
    while True:
        syllables = rng.choice((1, 2, 2, 2, 3))
        stem = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        stem = stem if len(stem) >= 3 else stem + rng.choice("nlrs")
        if stem not in UNTRAINED_WORDS:
            return stem


def made_up(role: str, rng: random.Random) -> Alias:
    """A name never seen before, of `role`, in all three languages."""
    stem = made_up_stem(rng)
    sounds = "".join(rng.choice(ZH_SOUNDS) for _ in range(rng.randint(2, 3)))
    if role == "person":
        gender = rng.choice("mf")
        title = {"m": ("Mr", "Herrn", "Herr", "先生"), "f": ("Mrs", "Frau", "Frau", "女士")}[gender]
        word = stem.capitalize()
        return Alias(
            stem,
            f"{title[0]} {word}",
            (f"{title[1]} {word}", f"{title[1]} {word}", f"{title[2]} {word}", gender),
            sounds + title[3],
        )
    if rng.random() < HEAD_RATE:
        en_head, de_head, gender, zh_head, on = rng.choice(HEADS[role])
        de_word = stem.capitalize() + de_head.lower()
        word, en, zh = f"{stem}_{en_head}", f"the {stem} {en_head}", sounds + zh_head
    else:
        gender, on = rng.choice("mfn"), ON
        de_word = stem.capitalize() + ("e" if gender == "f" and stem[-1] not in "ae" else "")
        word, en, zh = stem, f"the {stem}", sounds
    acc, dat, nom = (f"{article} {de_word}" for article in ARTICLE[gender])
    liquid = rng.choice(LIQUIDS) if role == "vessel" else ("", "", "")
    return Alias(word, en, (acc, dat, nom, gender), zh, on, liquid)


def new_alias(role: str, rng: random.Random) -> Alias:
    """A made-up alias (at MADE_UP_RATE) or one of ALIASES."""
    return made_up(role, rng) if rng.random() < MADE_UP_RATE else rng.choice(ALIASES[role])


def fresh_alias(role: str, taken: set[str] | frozenset[str], rng: random.Random) -> Alias:
    """A new alias of `role` whose plan word is none of `taken`, a thing's at times with a
    colour (COLOUR_RATE)."""
    alias = new_alias(role, rng)
    while alias.word in taken:
        alias = new_alias(role, rng)
    if role != "person" and rng.random() < COLOUR_RATE:
        alias = replace(alias, colour=rng.choice(sorted(COLOUR_NAMES)))
    return alias


def choose(spec: SceneSpec, rng: random.Random) -> dict[str, Alias]:
    """Aliases for one to three of the scene's things, and at times its person, or for
    all of them (none at RENAME_RATE's complement)."""
    if rng.random() >= RENAME_RATE:
        return {}
    things = sorted(spec.entities - spec.persons)
    if rng.random() < WHOLE_SCENE_RATE:
        names = things + sorted(spec.persons)
    else:
        names = rng.sample(things, rng.randint(1, MOST_RENAMED))
        if rng.random() < PERSON_RATE:
            names += sorted(spec.persons)
    out: dict[str, Alias] = {}
    taken = set(spec.entities)
    for name in names:
        alias = fresh_alias(role_of(spec, name), taken, rng)
        taken.add(alias.word)
        out[name] = alias
    return out


def widened(spec: SceneSpec, rng: random.Random) -> tuple[SceneSpec, dict[str, Alias]]:
    """The scene with one more surface (at EXTRA_SURFACE_RATE), a new alias whose plan word
    is its alias's, and that alias by its plan word; else the scene and no alias."""
    if rng.random() >= EXTRA_SURFACE_RATE:
        return spec, {}
    alias = fresh_alias("surface", spec.entities, rng)
    wider = replace(spec, surfaces=spec.surfaces | {alias.word}, order=(*spec.order, alias.word))
    return wider, {alias.word: alias}


def with_liquids(text: str, lang: str, spec: SceneSpec, aliases: dict[str, Alias]) -> str:
    """`text` with the liquid of each renamed vessel said as the alias's ("pour coffee")."""
    things = load_scene(spec.name).things
    for name, alias in aliases.items():
        thing = things.get(name)  # None: a surface `widened` added
        if not alias.liquid[0] or thing is None or thing.container is None:
            continue
        pattern = SCENE_LIQUID[thing.container.liquid][lang]
        said = alias.liquid[LANGS.index(lang)]
        text = re.sub(pattern, said, text, flags=re.IGNORECASE)
    return text


def listed(alias: Alias, name: str, spec: SceneSpec, lang: str) -> Listed:
    """How the prompt lists `name` renamed to `alias`: a vessel that starts full says
    what it holds (the alias's liquid, else the scene's), as `scene_text` does."""
    liquid = ""
    if name in spec.vessels:
        liquid = alias.liquid[LANGS.index(lang)] or full_of(name, spec.name, lang)
    return (alias.word, alias.said(lang), alias.colour, liquid)


def says_any(text: str, aliases: Iterable[Alias]) -> bool:
    """`text` names one of `aliases` in any language."""
    low = text.lower()
    return any(listed_name(said) in low for a in aliases for said in (a.en, a.de[0], a.de[1], a.zh))


def coloured_de(alias: Alias) -> tuple[str, str, str]:
    """The alias's German accusative, dative and nominative with its colour in between:
    ("den grünen Brolin", "dem grünen Brolin", "der grüne Brolin")."""
    acc, dat, nom, gender = alias.de
    stem = COLOUR_NAMES[alias.colour]["de"]
    weak = {"m": ("en", "en", "e"), "f": ("e", "en", "e"), "n": ("e", "en", "e")}[gender]
    forms = []
    for phrase, ending in zip((acc, dat, nom), weak, strict=True):
        article, _, noun = phrase.partition(" ")
        # "orange" + "e" is "orange", + "en" is "orangen"
        forms.append(f"{article} {stem}{ending[1:] if stem.endswith('e') else ending} {noun}")
    return forms[0], forms[1], forms[2]


def _entries(alias: Alias) -> dict[str, object]:
    acc, dat, nom, gender = alias.de
    en_on, de_on, zh_on = alias.on
    en, de, zh = [alias.en], [(acc, dat, nom)], [alias.zh]
    if alias.colour:
        shade = COLOUR_NAMES[alias.colour]
        en.append(alias.en.replace("the ", f"the {shade['en']} ", 1))
        de.append(coloured_de(alias))
        zh += [f"{shade['zh']}的{alias.zh}", shade["zh"][0] + alias.zh]
    return {
        "EN_NP": en,
        "DE_NP": [L.de_noun(GermanNoun(acc=a, dat=d, gender=gender, nom=n)) for a, d, n in de],
        "ZH_NP": zh,
        "EN_SURFACE_PREP": [en_on],
        "DE_SURFACE_PP": [f"{de_on} {a}" for a, _, _ in de],
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


GENDERED = ("EN_FEMALE", "EN_MALE", "ZH_FEMALE")
"""The lexicon's sets of names that say which pronoun follows."""


@contextmanager
def renamed(aliases: dict[str, Alias]) -> Iterator[None]:
    """The lexicon calls each renamed thing by its alias only, until the block ends.

    The realisers keep using the scene's plan words as keys; only what they say
    changes. Descriptions, colours and ordinals of a renamed thing are dropped; a
    renamed person's pronoun follows the alias's German gender.
    """
    saved = {t: dict(getattr(L, t)) for t in PATCHED}
    saved_sets = {t: set(getattr(L, t)) for t in GENDERED}
    try:
        for name, alias in aliases.items():
            for table in PATCHED:
                getattr(L, table).pop(name, None)
            for table, value in _entries(alias).items():
                getattr(L, table)[name] = value
            gender = alias.de[3]
            if gender == "f":
                L.EN_FEMALE.add(alias.en)
                L.ZH_FEMALE.add(alias.zh)
            elif gender == "m":
                L.EN_MALE.add(alias.en)
        yield
    finally:
        for table, entries in saved.items():
            getattr(L, table).clear()
            getattr(L, table).update(entries)
        for table, members in saved_sets.items():
            getattr(L, table).clear()
            getattr(L, table).update(members)
