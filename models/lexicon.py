"""Words for the corpus: how people name each scene entity in English, German, Chinese.

Each German noun phrase carries its case forms and pronouns, so templates stay
grammatical. Nothing here is taken from the evaluation sentences.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeNoun:
    """A German noun phrase: accusative, dative, nominative; pronouns acc/dat."""

    acc: str
    dat: str
    nom: str
    pron_acc: str
    pron_dat: str


def de_fem(stem_acc: str, dat: str) -> DeNoun:
    return DeNoun(stem_acc, dat, stem_acc, "sie", "ihr")


def de_masc(acc: str, dat: str, nom: str) -> DeNoun:
    return DeNoun(acc, dat, nom, "ihn", "ihm")


def de_neut(acc: str, dat: str) -> DeNoun:
    return DeNoun(acc, dat, acc, "es", "ihm")


# -- colours ---------------------------------------------------------------------------

EN_COLOUR = {
    "red": [
        "red",
        "crimson",
        "scarlet",
        "ruby",
        "cherry-red",
        "dark red",
        "bright red",
        "reddish",
        "maroon",
        "wine-red",
        "rose-red",
        "vermilion",
    ],
    "blue": [
        "blue",
        "navy",
        "azure",
        "cobalt",
        "sky-blue",
        "dark blue",
        "light blue",
        "bluish",
        "royal blue",
        "navy blue",
        "sapphire",
        "pale blue",
        "ocean blue",
    ],
}
EN_OTHER_COLOURS = [
    "green",
    "yellow",
    "white",
    "black",
    "pink",
    "purple",
    "orange",
    "grey",
    "brown",
    "golden",
    "silver",
    "striped",
]
DE_COLOUR = {
    "red": [
        "rot",
        "knallrot",
        "dunkelrot",
        "hellrot",
        "purpurrot",
        "karminrot",
        "weinrot",
        "scharlachrot",
        "kirschrot",
    ],
    "blue": [
        "blau",
        "dunkelblau",
        "hellblau",
        "marineblau",
        "himmelblau",
        "kobaltblau",
        "azurblau",
        "königsblau",
    ],
}
DE_OTHER_COLOURS = ["grün", "gelb", "weiß", "schwarz", "rosa", "lila", "orange", "grau", "braun"]
ZH_COLOUR = {
    "red": ["红色", "红", "大红色", "深红色", "鲜红色", "暗红色", "酒红色", "粉红色"],
    "blue": ["蓝色", "蓝", "深蓝色", "天蓝色", "浅蓝色", "海蓝色", "宝蓝色", "淡蓝色"],
}
ZH_OTHER_COLOURS = ["绿色", "黄色", "白色", "黑色", "紫色", "橙色", "灰色", "棕色"]

CUP_COLOUR = {"cup_red": "red", "cup_blue": "blue"}
CUP_ORDINAL = {"cup_red": 0, "cup_blue": 1}
"""Ordinals follow the scene's listing order (docs/architecture.md, "Scenes and objects"):
the first cup is the red one."""

EN_CUP_NOUNS = ["cup", "mug", "teacup", "tea cup"]
DE_CUP_NOUNS_F = ["Tasse", "Teetasse", "Kaffeetasse"]
DE_CUP_NOUNS_M = ["Becher", "Teebecher"]
ZH_CUP_NOUNS = ["杯子", "茶杯", "杯"]

EN_ORDINALS = [["first", "1st", "left-most"], ["second", "2nd", "last"]]
DE_ORDINALS = [["erste"], ["zweite", "letzte"]]
ZH_ORDINALS = [["第一个", "第1个"], ["第二个", "第2个", "最后一个"]]

# -- fixed entities ----------------------------------------------------------------------

EN_NP: dict[str, list[str]] = {
    "teapot": [
        "the teapot",
        "the tea pot",
        "the pot",
        "the kettle",
        "the pot of tea",
        "the teakettle",
        "the tea kettle",
        "the pot with the tea",
    ],
    "tray": ["the tray", "the serving tray", "the platter", "the tea tray", "the wooden tray"],
    "table": ["the table", "the tea table", "the counter"],
    "guest": [
        "the guest",
        "our guest",
        "the visitor",
        "the customer",
        "the gentleman",
        "the lady",
        "the person at the table",
        "the client",
        "our visitor",
    ],
    "water_glass": [
        "the water glass",
        "the glass of water",
        "the glass",
        "the drinking glass",
        "the water",
        "the tumbler",
        "the glass with water",
    ],
    "pill_box": [
        "the pill box",
        "the pillbox",
        "the medicine box",
        "the pill organizer",
        "the pill case",
        "the medication box",
        "the pills",
        "the medicine",
        "the medication",
        "the tablet box",
        "the pill container",
    ],
    "towel": ["the towel", "the hand towel", "the bath towel", "the cloth", "the face towel"],
    "basket": ["the basket", "the laundry basket", "the wicker basket", "the hamper"],
    "side_table": [
        "the side table",
        "the bedside table",
        "the nightstand",
        "the night stand",
        "the little table",
        "the table",
        "the small table",
        "the bedside cabinet",
    ],
    "resident": [
        "the resident",
        "the patient",
        "the elderly lady",
        "the old man",
        "grandma",
        "grandpa",
        "the old lady",
        "the elderly gentleman",
        "our resident",
        "the senior",
        "the elderly man",
        "the woman in bed",
    ],
}
EN_SURFACE_PREP = {
    "tray": ["on", "onto", "on top of"],
    "table": ["on", "onto", "back on"],
    "basket": ["in", "into", "inside"],
    "side_table": ["on", "onto", "on top of"],
}

DE_NP: dict[str, list[DeNoun]] = {
    "teapot": [
        de_fem("die Teekanne", "der Teekanne"),
        de_fem("die Kanne", "der Kanne"),
        de_masc("den Teekessel", "dem Teekessel", "der Teekessel"),
        de_fem("die Kanne mit Tee", "der Kanne mit Tee"),
    ],
    "guest": [
        de_masc("den Gast", "dem Gast", "der Gast"),
        de_masc("den Besucher", "dem Besucher", "der Besucher"),
        de_fem("die Besucherin", "der Besucherin"),
        de_masc("den Kunden", "dem Kunden", "der Kunde"),
        de_fem("die Dame", "der Dame"),
        de_masc("den Herrn", "dem Herrn", "der Herr"),
        de_masc("unseren Gast", "unserem Gast", "unser Gast"),
    ],
    "water_glass": [
        de_neut("das Wasserglas", "dem Wasserglas"),
        de_neut("das Glas Wasser", "dem Glas Wasser"),
        de_neut("das Glas", "dem Glas"),
        de_neut("das Trinkglas", "dem Trinkglas"),
        de_neut("das Wasser", "dem Wasser"),
    ],
    "pill_box": [
        de_fem("die Pillendose", "der Pillendose"),
        de_fem("die Tablettendose", "der Tablettendose"),
        de_fem("die Medikamentenbox", "der Medikamentenbox"),
        de_fem("die Pillenbox", "der Pillenbox"),
        de_fem("die Medikamentendose", "der Medikamentendose"),
        DeNoun("die Tabletten", "den Tabletten", "die Tabletten", "sie", "ihnen"),
        DeNoun("die Medikamente", "den Medikamenten", "die Medikamente", "sie", "ihnen"),
    ],
    "towel": [
        de_neut("das Handtuch", "dem Handtuch"),
        de_neut("das Tuch", "dem Tuch"),
        de_neut("das Badetuch", "dem Badetuch"),
        de_neut("das Frotteetuch", "dem Frotteetuch"),
    ],
    "resident": [
        de_masc("den Bewohner", "dem Bewohner", "der Bewohner"),
        de_fem("die Bewohnerin", "der Bewohnerin"),
        de_masc("den Patienten", "dem Patienten", "der Patient"),
        de_fem("die Patientin", "der Patientin"),
        de_fem("die Oma", "der Oma"),
        de_masc("den Opa", "dem Opa", "der Opa"),
        de_fem("die alte Dame", "der alten Dame"),
        de_masc("den alten Herrn", "dem alten Herrn", "der alte Herr"),
    ],
}
DE_SURFACE_PP = {
    "tray": ["auf das Tablett", "aufs Tablett", "auf das Serviertablett", "auf das Teetablett"],
    "table": ["auf den Tisch", "auf den Teetisch", "zurück auf den Tisch"],
    "basket": ["in den Korb", "in den Wäschekorb", "in den Weidenkorb", "in den Korb hinein"],
    "side_table": [
        "auf den Beistelltisch",
        "auf den Nachttisch",
        "auf das Nachtkästchen",
        "aufs Nachtkästchen",
        "auf den Nachtschrank",
        "auf den kleinen Tisch",
        "auf den Tisch",
    ],
}

ZH_NP: dict[str, list[str]] = {
    "teapot": ["茶壶", "壶", "那个茶壶", "这把茶壶", "那把壶", "茶水壶"],
    "tray": ["托盘", "茶盘", "盘子", "那个托盘"],
    "table": ["桌子", "茶桌", "桌", "桌面"],
    "guest": ["客人", "这位客人", "来宾", "顾客", "先生", "女士", "那位客人", "客户"],
    "water_glass": ["水杯", "那杯水", "玻璃杯", "水", "杯子", "这杯水", "那个水杯"],
    "pill_box": ["药盒", "药盒子", "药", "药瓶", "那个药盒", "药品盒", "小药盒"],
    "towel": ["毛巾", "那条毛巾", "手巾", "浴巾", "这条毛巾"],
    "basket": ["篮子", "筐", "洗衣篮", "篮", "那个篮子", "筐子"],
    "side_table": ["床头柜", "边桌", "小桌子", "桌子", "床边的小桌", "床头的柜子"],
    "resident": ["老人", "老人家", "住户", "奶奶", "爷爷", "病人", "老奶奶", "老爷爷", "这位老人"],
}
ZH_SURFACE_POST = {"tray": "上", "table": "上", "basket": "里", "side_table": "上"}

# -- things that are not in the scenes ------------------------------------------------------

EN_UNKNOWN = [
    "the newspaper",
    "the spoon",
    "the sugar",
    "the milk",
    "the cookie",
    "the phone",
    "the remote",
    "the book",
    "the keys",
    "the glasses",
    "the fork",
    "the knife",
    "the plate",
    "the bottle",
    "the apple",
    "the banana",
    "the blanket",
    "the pillow",
    "the wallet",
    "the umbrella",
    "the hat",
    "the laptop",
    "the vase",
    "the candle",
    "the napkin",
    "the lemon",
    "the cake",
    "the sandwich",
    "the biscuit",
    "the honey",
    "the bowl",
    "the saucer",
    "the jug",
    "the coffee",
    "the wine",
    "the beer",
    "the scissors",
    "the pen",
    "the magazine",
    "the letter",
    "the toothbrush",
    "the comb",
    "the slippers",
    "the walking stick",
    "the teddy bear",
    "the radio",
    "a newspaper",
    "a spoon",
    "some sugar",
    "some milk",
    "a cookie",
    "a blanket",
    "a sandwich",
    "a piece of cake",
    "an apple",
    "a banana",
    "a glass of wine",
    "a beer",
    "the hammer",
    "the flowers",
    "the soup",
    "the bread",
    "the charger",
    "the thermometer",
    "the syringe",
    "the mirror",
    "the shoes",
    "the jacket",
]
DE_UNKNOWN = [
    de_fem("die Zeitung", "der Zeitung"),
    de_masc("den Löffel", "dem Löffel", "der Löffel"),
    de_masc("den Zucker", "dem Zucker", "der Zucker"),
    de_fem("die Milch", "der Milch"),
    de_masc("den Keks", "dem Keks", "der Keks"),
    de_neut("das Handy", "dem Handy"),
    de_fem("die Fernbedienung", "der Fernbedienung"),
    de_neut("das Buch", "dem Buch"),
    de_masc("den Schlüssel", "dem Schlüssel", "der Schlüssel"),
    de_fem("die Brille", "der Brille"),
    de_fem("die Gabel", "der Gabel"),
    de_neut("das Messer", "dem Messer"),
    de_masc("den Teller", "dem Teller", "der Teller"),
    de_fem("die Flasche", "der Flasche"),
    de_masc("den Apfel", "dem Apfel", "der Apfel"),
    de_fem("die Banane", "der Banane"),
    de_fem("die Decke", "der Decke"),
    de_neut("das Kissen", "dem Kissen"),
    de_fem("die Brieftasche", "der Brieftasche"),
    de_masc("den Regenschirm", "dem Regenschirm", "der Regenschirm"),
    de_masc("den Kuchen", "dem Kuchen", "der Kuchen"),
    de_fem("die Schere", "der Schere"),
    de_fem("die Vase", "der Vase"),
    de_fem("die Kerze", "der Kerze"),
    de_fem("die Serviette", "der Serviette"),
    de_fem("die Schüssel", "der Schüssel"),
    de_masc("den Kaffee", "dem Kaffee", "der Kaffee"),
    de_neut("das Bier", "dem Bier"),
    de_fem("die Zahnbürste", "der Zahnbürste"),
    de_neut("das Radio", "dem Radio"),
    de_masc("den Hammer", "dem Hammer", "der Hammer"),
    de_neut("das Brot", "dem Brot"),
    de_fem("die Suppe", "der Suppe"),
    de_neut("das Thermometer", "dem Thermometer"),
]
ZH_UNKNOWN = [
    "报纸",
    "勺子",
    "糖",
    "牛奶",
    "饼干",
    "手机",
    "遥控器",
    "书",
    "钥匙",
    "眼镜",
    "叉子",
    "刀",
    "盘子里的蛋糕",
    "瓶子",
    "苹果",
    "香蕉",
    "毯子",
    "枕头",
    "钱包",
    "雨伞",
    "帽子",
    "电脑",
    "花瓶",
    "蜡烛",
    "餐巾纸",
    "柠檬",
    "蛋糕",
    "三明治",
    "碗",
    "咖啡",
    "啤酒",
    "剪刀",
    "笔",
    "杂志",
    "信",
    "牙刷",
    "梳子",
    "拖鞋",
    "拐杖",
    "收音机",
    "锤子",
    "花",
    "汤",
    "面包",
    "充电器",
    "体温计",
    "镜子",
    "鞋子",
    "外套",
]
EN_UNKNOWN_PERSON = [
    "the doctor",
    "the nurse",
    "the child",
    "the dog",
    "the cat",
    "the neighbour",
    "the manager",
    "the waiter",
    "the chef",
    "the mailman",
    "the baby",
    "the policeman",
    "the cleaner",
]
DE_UNKNOWN_PERSON = [
    de_masc("den Arzt", "dem Arzt", "der Arzt"),
    de_fem("die Krankenschwester", "der Krankenschwester"),
    de_neut("das Kind", "dem Kind"),
    de_masc("den Hund", "dem Hund", "der Hund"),
    de_fem("die Katze", "der Katze"),
    de_masc("den Nachbarn", "dem Nachbarn", "der Nachbar"),
    de_masc("den Kellner", "dem Kellner", "der Kellner"),
    de_masc("den Koch", "dem Koch", "der Koch"),
    de_masc("den Postboten", "dem Postboten", "der Postbote"),
]
ZH_UNKNOWN_PERSON = [
    "医生",
    "护士",
    "孩子",
    "小狗",
    "猫",
    "邻居",
    "经理",
    "服务员",
    "厨师",
    "快递员",
    "婴儿",
    "警察",
]
EN_UNKNOWN_SURFACE = [
    "the chair",
    "the floor",
    "the shelf",
    "the windowsill",
    "the sofa",
    "the bed",
    "the sink",
    "the fridge",
    "the stove",
    "the desk",
    "the bench",
    "the drawer",
    "the cupboard",
]
DE_UNKNOWN_PP = [
    "auf den Stuhl",
    "auf den Boden",
    "ins Regal",
    "auf die Fensterbank",
    "auf das Sofa",
    "aufs Bett",
    "in die Spüle",
    "in den Kühlschrank",
    "auf den Herd",
    "auf den Schreibtisch",
    "in die Schublade",
    "in den Schrank",
]
ZH_UNKNOWN_SURFACE = [
    "椅子",
    "地板",
    "架子",
    "窗台",
    "沙发",
    "床",
    "水槽",
    "冰箱",
    "灶台",
    "书桌",
    "抽屉",
    "柜子",
]

EN_LIQUID = [
    "tea",
    "the tea",
    "the hot tea",
    "hot tea",
    "boiling tea",
    "the water",
    "water",
    "the contents of the teapot",
    "the whole pot",
]
DE_LIQUID = [
    "Tee",
    "den Tee",
    "den heißen Tee",
    "heißen Tee",
    "das Wasser",
    "Wasser",
    "kochenden Tee",
]
ZH_LIQUID = ["茶", "热茶", "开水", "水", "滚烫的茶"]
