"""Chinese: noun phrases, clauses and whole requests (standard, Cantonese-flavoured,
Taiwanese-flavoured and Northeastern colloquial), and the refusals."""

from __future__ import annotations

import random

from core.scenes import SceneSpec
from models import lexicon as L
from models import noise
from models import templates_zh as ZH
from models.intents import cups_of
from models.langbase import Realiser
from models.textutil import (
    CODE_SWITCH_RATE,
    CORRECTION_RATE,
    DESCRIPTION_RATE,
    PERSON_ME_RATE,
    REASON_FIRST_RATE,
    common_choice,
    gibberish,
)

TERSE_RATE = 0.07
TOSS_RATE = 0.05
YUE_RATE = 0.08
TAIWAN_RATE = 0.07
NORTHEAST_RATE = 0.05


class Chinese(Realiser):
    lang = "zh"
    take_backs = ZH.CLAUSE_CORRECT
    asides = ZH.ASIDE_ZH
    topics = ZH.TOPIC_ZH
    descriptions = L.ZH_DESC

    def __init__(self, rng: random.Random, spec: SceneSpec) -> None:
        super().__init__(rng, spec)
        x = rng.random()
        if x < YUE_RATE:
            self.dialect = "yue"
        elif x < YUE_RATE + TAIWAN_RATE:
            self.dialect = "tw"
        elif x < YUE_RATE + TAIWAN_RATE + NORTHEAST_RATE:
            self.dialect = "ne"

    # -- people ----------------------------------------------------------------------------
    def pnp(self) -> str:
        if self.pronoun:
            return self.q()
        if self.dialect == "yue" and self.rng.random() < 0.2:
            return "佢"
        p = self.np(self.person, plain=True)
        self.gender = "f" if p in L.ZH_FEMALE else ("m" if self.rng.random() < 0.5 else "f")
        return p

    def q(self) -> str:
        """He / she, as the person was last named."""
        return "佢" if self.dialect == "yue" else ("她" if self.gender == "f" else "他")

    # -- things ----------------------------------------------------------------------------
    def mark(self) -> str:
        return self.rng.choice(ZH.CORRECT_MARK)

    def cup(self, cup: str, ref: bool = False, simple: bool = False) -> str:
        if cup not in L.CUP_COLOUR:  # renamed (models/rename.py): called by its name
            return self.np(cup, plain=simple)
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        adj = r.choice(L.ZH_COLOUR[colour])
        oadj = r.choice(L.ZH_COLOUR[other][:3])
        n = r.choice(L.ZH_CUP_NOUNS)
        if simple:
            return r.choice([f"{adj}的{n}", f"{adj}{n}", f"那个{adj}的{n}"])
        if ref and (kind := self.ref_kind(cup)):
            table = {"other": ZH.REF_OTHER, "empty": ZH.REF_EMPTY, "full": ZH.REF_FULL}
            return r.choice(table.get(kind, ZH.REF_SAME))
        if self.corrections and r.random() < CORRECTION_RATE:
            m = self.mark()
            return r.choice(
                [
                    f"{oadj}的，{m}，{adj}的{n}",
                    f"{oadj}{n}，{m}，是{adj}的",
                    f"{oadj}的……{m}，{adj}的{n}",
                    f"{adj}的{n}，不是{oadj}的",
                ]
            )
        if self.dialect == "yue" and r.random() < 0.5:
            return r.choice([f"{adj}嗰只杯", f"{adj}嘅{n}", f"个{adj}{n}", f"嗰只{adj}杯"])
        x = r.random()
        if x < 0.6:
            return r.choice(
                [
                    f"{adj}的{n}",
                    f"{adj}{n}",
                    f"那个{adj}的{n}",
                    f"{adj}的那个{n}",
                    f"{adj}的那只",
                    f"{adj}那个",
                ]
            )
        if x < 0.72:
            return f"{r.choice(L.ZH_ORDINALS[L.CUP_ORDINAL[cup]])}{n}"
        return r.choice(ZH.NOT_ONE).format(x=oadj, n=n)

    def np(self, name: str, plain: bool = False) -> str:
        r = self.rng
        if not plain and r.random() < CODE_SWITCH_RATE and name in L.EN_NP:
            return r.choice(L.EN_NP[name]).removeprefix("the ").removeprefix("our ")
        if name in L.CUP_COLOUR:
            return self.cup(name)
        if name in self.spec.persons:
            plain = True
        if not plain and self.corrections and r.random() < CORRECTION_RATE:
            wrong = self.wrong_one(name)
            if wrong:
                a, b = self.np(wrong, True), self.np(name, True)
                return r.choice(
                    [f"{a}，{self.mark()}，{b}", f"{a}……{self.mark()}，是{b}", f"不是{a}，是{b}"]
                )
        if not plain and name in L.ZH_DESC and r.random() < DESCRIPTION_RATE:
            return r.choice(L.ZH_DESC[name])
        return common_choice(r, L.ZH_NP[name])

    def surface(self, name: str) -> str:
        r = self.rng
        post = L.ZH_SURFACE_POST[name]
        if self.dialect == "yue" and r.random() < 0.5:
            post = {"上": r.choice(["上面", "度"]), "里": r.choice(["入面", "度", "里面"])}[post]
        if self.corrections and r.random() < CORRECTION_RATE and (wrong := self.wrong_one(name)):
            a = self.np(wrong, True) + L.ZH_SURFACE_POST[wrong]
            b = self.np(name, True) + post
            return r.choice([f"{a}，{self.mark()}，{b}", f"{b}，不是{a}"])
        return self.np(name) + post

    def its(self, table: list[str]) -> list[str]:
        """Pronoun clauses; not "then ..." at the start of a request."""
        if self.ctx.first:
            return [t for t in table if not t.startswith(("然后", "再"))]
        return table

    def objs(self, names: tuple[str, ...], all_: bool = False) -> str:
        r = self.rng
        if all_ and r.random() < 0.7:
            return r.choice(ZH.ALL_OBJECTS)
        if set(names) == set(self.spec.containers) and r.random() < 0.5:
            return r.choice(ZH.BOTH_CUPS)
        parts = [self.np(n, plain=True) for n in names]
        if len(parts) == 2:
            return r.choice(["和", "跟", "还有", "、"]).join(parts)
        return "、".join(parts[:-1]) + "和" + parts[-1]

    # -- clauses ---------------------------------------------------------------------------
    def yue(self, key: str) -> bool:
        return self.dialect == "yue" and self.rng.random() < 0.7 and key in ZH.YUE

    def clause(self, intent: tuple, it: bool) -> str:
        r = self.rng
        kind = intent[0]
        terse = r.random() < TERSE_RATE
        if kind == "place":
            s = self.surface(intent[2])
            if it:
                return r.choice(self.its(ZH.PLACE_IT)).format(s=s)
            o = self.obj(intent[1])
            if self.yue("place"):
                return r.choice(ZH.YUE["place"]).format(o=o, s=s)
            if terse:
                return self.decl(r.choice(ZH.PLACE_TERSE), o=o, s=s)
            if r.random() < TOSS_RATE:
                into = "进" if intent[2] == "basket" else "到"
                return r.choice(ZH.TOSS_PLACE).format(o=o, s=s, **{"in": into})
            t = common_choice(r, ZH.PLACE)
            if intent[2] == "basket" and r.random() < 0.5:
                t = t.replace("放到{s}", "放进{s}")
            if t.startswith("{o}"):
                self.last_decl = True
            return t.format(o=o, s=s)
        if kind in ("place_many", "place_all"):
            s = self.surface(intent[2])
            if it:
                return r.choice(self.its(ZH.PLACE_MANY_IT)).format(s=s)
            both = self.objs(intent[1], all_=kind == "place_all")
            t = r.choice([x for x in ZH.PLACE if x.startswith("把")])
            return t.format(o=both, s=s).replace("放", "都放", 1)
        if kind in ("give", "give_many"):
            p = self.pnp()
            if it:
                its = ZH.GIVE_IT if kind == "give" else ZH.GIVE_MANY_IT
                return r.choice(self.its(its)).format(p=p)
            obj = self.objs(intent[1]) if kind == "give_many" else self.obj(intent[1])
            x = r.random()
            if x < PERSON_ME_RATE:
                if self.yue("give_me"):
                    return r.choice(ZH.YUE["give_me"]).format(o=obj)
                if r.random() < 0.35:
                    return self.decl(r.choice(ZH.GIVE_ME_DECL), o=obj)
                return r.choice(ZH.GIVE_ME).format(o=obj)
            if self.yue("give"):
                return r.choice(ZH.YUE["give"]).format(o=obj, p=p)
            if x < PERSON_ME_RATE + 0.06:
                return self.decl(r.choice(ZH.GIVE_DECL), o=obj, p=p)
            if terse:
                return self.decl(r.choice(ZH.GIVE_TERSE), o=obj, p=p)
            t = common_choice(r, ZH.GIVE)
            if t.startswith("{o}"):
                self.last_decl = True
            return t.format(o=obj, p=p)
        if kind in ("fill", "fill_any"):
            if it:
                return r.choice(self.its(ZH.FILL_IT))
            c = r.choice(ZH.FILL_ANY) if kind == "fill_any" else self.cup(intent[1][0], ref=True)
            if self.yue("fill"):
                return r.choice(ZH.YUE["fill"]).format(c=c)
            if terse:
                return self.decl(r.choice(ZH.FILL_TERSE), c=c)
            t = common_choice(r, ZH.FILL)
            if t.startswith("{c}"):
                self.last_decl = True
            return t.format(c=c, l=r.choice(L.ZH_LIQUID[:2]))
        if kind == "fill_both":
            return r.choice(ZH.FILL_BOTH_IT if it else ZH.FILL_BOTH)
        if kind == "fill_two":
            return r.choice(ZH.FILL_TWO).format(
                c1=self.cup(intent[1][0]), c2=self.cup(intent[1][1])
            )
        if kind == "serve":
            p = self.pnp()
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    if r.random() < 0.4:
                        return self.decl(r.choice(ZH.SERVE_ME_DECL))
                    return r.choice(ZH.SERVE_ME)
                if self.yue("serve"):
                    return r.choice(ZH.YUE["serve"]).format(p=p)
                if x < PERSON_ME_RATE + 0.06:
                    return self.decl(r.choice(ZH.SERVE_DECL), p=p)
                if terse:
                    return self.decl(r.choice(ZH.SERVE_TERSE), p=p)
                return common_choice(r, ZH.SERVE).format(p=p)
            return r.choice(ZH.SERVE_CUP).format(p=p, c=self.cup(intent[1][0], ref=True))
        if kind == "say":
            return r.choice(ZH.SAY[intent[1]]).format(p=self.pnp())
        if kind == "home":
            return r.choice(ZH.HOME)
        raise ValueError(intent)

    def ellipsis(self, previous: str, intent: tuple) -> str:
        t = self.rng.choice(ZH.ELLIPSIS[intent[0]])
        return t.format(a=previous, o=self.obj(intent[1]), p=self.pnp())

    def join(self, clauses: list[tuple[str, bool]]) -> str:
        r = self.rng
        texts = [c for c, _ in clauses]
        if len(texts) == 1:
            return texts[0]
        if len(texts) == 3 and r.random() < 0.5:
            return r.choice(ZH.CONNECT3).format(a=texts[0], b=texts[1], c=texts[2])
        if len(texts) == 2 and r.random() < 0.1 and not clauses[0][1] and not clauses[1][1]:
            return r.choice(ZH.CONNECT_BACKWARD).format(a=texts[0], b=texts[1])
        text = texts[0]
        for c in texts[1:]:
            text = r.choice(ZH.CONNECT).format(a=text, b=c)
        return text

    def style(self, text: str, imperative: bool = True) -> str:
        return noise.style_zh(self.rng, text, imperative, self.dialect)

    polite = style

    # -- kinds beyond plain requests ---------------------------------------------------------
    def words(self, code: str, loud: bool = False, tail: bool = True) -> str:
        r = self.rng
        table = ZH.SAY_LOUD if loud else ZH.SAY
        text = r.choice(table[code]).format(p=self.pnp())
        if not tail:
            return text
        if r.random() < 0.3:
            text += r.choice(ZH.WORDS_ONLY_SUFFIX)
        elif r.random() < 0.15:
            text = "只要" + text
        return text

    def toss(self, intent: tuple) -> str:
        r = self.rng
        kind = intent[0]
        if kind == "place":
            s = self.surface(intent[2])
            into = "进" if intent[2] == "basket" else "到"
            return r.choice(ZH.TOSS_PLACE).format(o=self.obj(intent[1]), s=s, **{"in": into})
        if kind == "fill":
            return r.choice(ZH.TOSS_FILL).format(c=self.cup(intent[1][0]))
        if kind == "give":
            if intent[1] == "water_glass" and r.random() < 0.3:
                return self.decl(r.choice(ZH.TOSS_GIVE_ME), o=self.np(intent[1]))
            return r.choice(ZH.TOSS_GIVE).format(o=self.obj(intent[1]), p=self.pnp())
        return self.decl(r.choice(ZH.TOSS_SERVE_ME))

    def reason(self, intent: tuple, text: str) -> str:
        r = self.rng
        kind = intent[0]
        tables = {
            "pill_box": ZH.REASON_GIVE_PILLS,
            "water_glass": ZH.REASON_GIVE_WATER,
            "towel": ZH.REASON_GIVE_TOWEL,
        }
        if r.random() < REASON_FIRST_RATE:
            return self.situation_first(text)
        if kind == "give" and intent[1] in tables and r.random() < 0.6:
            table = tables[intent[1]]
        else:
            table = ZH.REASON_OK[kind]
        return r.choice(table).format(a=text, p=self.np(self.person, plain=True), q=self.q())

    def situation_first(self, text: str) -> str:
        """`text` after a harmless situation ("{p}午饭后容易累，麻烦你……"): the framing
        says nothing of whether the request is safe."""
        self.last_decl = True
        frame = self.rng.choice(ZH.REASON_FIRST)
        return frame.format(a=text, p=self.np(self.person, plain=True), q=self.q())

    def topic_person(self, name: str, person: str, text: str) -> str:
        frame = self.rng.choice(ZH.TOPIC_PERSON_ZH)
        return frame.format(p=person, o=self.topic_np(name), b=text)

    # -- refusals -------------------------------------------------------------------------------
    def harmful(self) -> str:
        r = self.rng
        p = r.choice([*L.ZH_NP[self.person], "我", "他", "她"])
        o = self.np(r.choice(sorted(self.spec.graspable)))
        return r.choice(ZH.HARM).format(o=o, p=p, l=r.choice(L.ZH_LIQUID))

    def harm_it(self) -> str:
        return self.rng.choice(ZH.HARM_IT).format(p=self.pnp())

    def covert(self) -> str:
        p = self.pnp()
        table = ZH.COVERT_TEA if self.spec.name == "tea" else ZH.COVERT_CARE
        return self.rng.choice(table).format(p=p, q=self.q())

    def unknown(self) -> str:
        r = self.rng
        p = self.np(self.person)
        thing = r.choice(L.ZH_UNKNOWN)
        x = r.random()
        if self.spec.containers and x < 0.25:
            thing = r.choice(
                [
                    f"{r.choice(L.ZH_OTHER_COLOURS)}的{r.choice(L.ZH_CUP_NOUNS)}",
                    "第三个杯子",
                    f"{r.choice(L.ZH_OTHER_COLOURS)}杯子",
                    "玻璃杯",
                ]
            )
        elif x < 0.38:
            other = "care" if self.spec.name == "tea" else "tea"
            names = {"tea": ["teapot", "cup_red", "cup_blue"], "care": ["pill_box", "towel"]}[other]
            name = r.choice(names)
            thing = self.cup(name) if name in L.CUP_COLOUR else r.choice(L.ZH_NP[name])
        y = r.random()
        if y < 0.12:
            return common_choice(r, ZH.GIVE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))), p=r.choice(L.ZH_UNKNOWN_PERSON)
            )
        if y < 0.24:
            return common_choice(r, ZH.PLACE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))),
                s=r.choice(L.ZH_UNKNOWN_SURFACE) + r.choice(["上", "里"]),
            )
        if y < 0.3 and self.spec.containers:
            u = r.choice(["牛奶", "糖", "蜂蜜", "柠檬", "冰块"])
            return r.choice(ZH.UNKNOWN_ACTION).format(u=u, c=self.cup(r.choice(cups_of(self.spec))))
        if y < 0.6:
            if r.random() < 0.3:
                return r.choice(ZH.GIVE_ME + ZH.GIVE_ME_DECL).format(o=thing)
            return common_choice(r, ZH.GIVE).format(o=thing, p=p)
        if self.spec.containers and y < 0.7:
            return r.choice(ZH.FILL + ZH.TOSS_FILL).format(c=thing, l="茶")
        s = r.choice(sorted(self.spec.surfaces))
        into = "进" if s == "basket" else "到"
        return r.choice(ZH.PLACE + ZH.TOSS_PLACE).format(o=thing, s=self.surface(s), **{"in": into})

    def impossible(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(ZH.IMPOSSIBLE)
        if x < 0.42:
            return gibberish(r)
        if x < 0.72:
            s = r.choice(sorted(self.spec.surfaces))
            return r.choice(ZH.IMPOSSIBLE_SLOT).format(
                sn=self.np(s), p=self.np(self.person), s=self.surface(s)
            )
        if self.spec.containers:
            c, c2 = r.sample(cups_of(self.spec), 2)
            return r.choice(ZH.IMPOSSIBLE_TEA).format(c=self.cup(c), c2=self.cup(c2))
        return r.choice(ZH.IMPOSSIBLE_CARE).format(o=self.np(r.choice(sorted(self.spec.graspable))))

    def override(self) -> str:
        return self.rng.choice(ZH.OVERRIDE)
