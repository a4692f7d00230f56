"""German: noun phrases with their cases, clauses in every verb form a request takes
(du-imperative, infinitive after a modal, Sie-imperative, zu-infinitive), whole requests."""

from __future__ import annotations

import re
from typing import NamedTuple

from models import lexicon as L
from models import noise
from models import templates_de as DE
from models.intents import cups_of
from models.langbase import Realiser
from models.textutil import (
    CODE_SWITCH_RATE,
    CORRECTION_RATE,
    DESCRIPTION_RATE,
    PERSON_ME_RATE,
    REASON_FIRST_RATE,
    common_choice,
    finish,
    gibberish,
    without_article,
)

TERSE_RATE = 0.06
BARE_RATE = 0.4
ARTICLES = ("den ", "die ", "das ", "dem ", "der ")
SURFACE_ACC = {
    "tray": "das Tablett",
    "table": "den Tisch",
    "basket": "den Korb",
    "side_table": "den Beistelltisch",
}
"""The scenes' surfaces as things rather than places ("heb den Tisch hoch")."""
TOSS_RATE = 0.05
SEPARABLE = sorted(
    [
        "zurück",
        "hoch",
        "voll",
        "auf",
        "ein",
        "ab",
        "weg",
        "hin",
        "her",
        "mit",
        "an",
        "rüber",
        "rein",
        "zu",
        "aus",
        "um",
        "fern",
        "entgegen",
        "weiter",
        "nach",
        "hinein",
        "herein",
        "heraus",
        "hinaus",
        "herüber",
        "hinüber",
        "vor",
        "los",
    ],
    key=len,
    reverse=True,
)
SIE_SWAPS = [
    (" dich ", " sich "),
    (" dir ", " sich "),
    ("du gerade gefüllt hast", "Sie gerade gefüllt haben"),
    (" deinen ", " Ihren "),
    (" dein ", " Ihr "),
]


class DeClause(NamedTuple):
    """One clause in each verb form; "" where a form does not exist (a statement)."""

    imp: str
    inf: str = ""
    sie: str = ""
    zu: str = ""


def split_verb(verb: str) -> tuple[str, str]:
    """("ein", "schenken") for "einschenken"; ("", verb) for a verb without a separable prefix."""
    for p in SEPARABLE:
        if verb.startswith(p) and len(verb) > len(p) + 3:
            return p, verb[len(p) :]
    return "", verb


def segments(inf: str) -> list[str]:
    """An infinitive template cut at " und " between two verb phrases ("nehmen und ...")."""
    parts = re.split(r"(?<=[a-zäöüß]n) und (?:dann |danach )?", inf)
    return [p for p in parts if p]


SUBCLAUSE = re.compile(r", (?:damit|dass|bis|solange|wenn|weil) ")


def main_and_sub(inf: str) -> tuple[str, str]:
    """An infinitive and the subordinate clause after it (", damit sie schläft")."""
    m = SUBCLAUSE.search(inf)
    return (inf[: m.start()], inf[m.start() :]) if m else (inf, "")


def sie_form(inf: str) -> str:
    """ "{o} {s} abstellen" -> "stellen Sie {o} {s} ab"."""
    inf, sub = main_and_sub(inf)
    out = []
    for seg in segments(inf):
        words = seg.split(" ")
        prefix, stem = split_verb(words[-1])
        out.append(" ".join([stem, "Sie", *words[:-1], prefix]).strip())
    return sie_swaps(" und ".join(out)) + sub


def zu_form(inf: str) -> str:
    """ "{o} {s} abstellen" -> "{o} {s} abzustellen"."""
    inf, sub = main_and_sub(inf)
    out = []
    for seg in segments(inf):
        words = seg.split(" ")
        prefix, stem = split_verb(words[-1])
        verb = f"{prefix}zu{stem}" if prefix else f"zu {stem}"
        out.append(" ".join([*words[:-1], verb]))
    return " und ".join(out) + sub


def sie_swaps(text: str) -> str:
    text = f" {text} "
    for old, new in SIE_SWAPS:
        text = text.replace(old, new)
    return text.strip()


class German(Realiser):
    lang = "de"
    take_backs = DE.CLAUSE_CORRECT

    # -- noun phrases ----------------------------------------------------------------------
    def mark(self) -> str:
        return self.rng.choice(DE.CORRECT_MARK)

    def cup(self, cup: str, ref: bool = False, simple: bool = False) -> L.DeNoun:
        if cup not in L.CUP_COLOUR:  # renamed (models/rename.py): called by its name
            return self.np(cup, plain=simple)
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        adj = r.choice(L.DE_COLOUR[colour])
        oadj = r.choice(L.DE_COLOUR[other][:4])
        if simple:
            n = r.choice(L.DE_CUP_NOUNS_F)
            return L.de_fem(f"die {adj}e {n}", f"der {adj}en {n}")
        if ref and (kind := self.ref_kind(cup)):
            table = {"other": DE.REF_OTHER, "empty": DE.REF_EMPTY, "full": DE.REF_FULL}
            acc, dat = r.choice(table.get(kind, DE.REF_SAME))
            return L.de_fem(acc, dat)
        x = r.random()
        if r.random() < 0.75:
            n = r.choice(L.DE_CUP_NOUNS_F)
            if self.corrections and r.random() < CORRECTION_RATE:
                m = self.mark()
                return r.choice(
                    [
                        L.de_fem(
                            f"die {oadj}e, {m}, die {adj}e {n}",
                            f"der {oadj}en, {m}, der {adj}en {n}",
                        ),
                        L.de_fem(
                            f"die {oadj}e {n}, {m}, die {adj}e",
                            f"der {oadj}en {n}, {m}, der {adj}en",
                        ),
                        L.de_fem(
                            f"die {adj}e {n}, nicht die {oadj}e,",
                            f"der {adj}en {n}, nicht der {oadj}en,",
                        ),
                    ]
                )
            if x < 0.62:
                return L.de_fem(f"die {adj}e {n}", f"der {adj}en {n}")
            if x < 0.7:
                return L.de_fem(f"die {adj}e", f"der {adj}en")
            if x < 0.77:
                o = r.choice(L.DE_ORDINALS[L.CUP_ORDINAL[cup]])
                return L.de_fem(f"die {o} {n}", f"der {o}n {n}")
            return r.choice(
                [
                    L.de_fem(f"die {n}, die nicht {oadj} ist,", f"der {n}, die nicht {oadj} ist,"),
                    L.de_fem(f"die nicht {oadj}e {n}", f"der nicht {oadj}en {n}"),
                    L.de_fem(
                        f"die andere {n}, nicht die {oadj}e,",
                        f"der anderen {n}, nicht der {oadj}en,",
                    ),
                    L.de_fem(f"die, die nicht {oadj} ist,", f"der, die nicht {oadj} ist,"),
                    L.de_fem(
                        f"nicht die {oadj}e, sondern die andere {n}",
                        f"nicht der {oadj}en, sondern der anderen {n}",
                    ),
                ]
            )
        n = r.choice(L.DE_CUP_NOUNS_M)
        if x < 0.8:
            return L.de_masc(f"den {adj}en {n}", f"dem {adj}en {n}", f"der {adj}e {n}")
        return L.de_masc(
            f"den {n}, der nicht {oadj} ist,",
            f"dem {n}, der nicht {oadj} ist,",
            f"der {n}, der nicht {oadj} ist,",
        )

    def np(self, name: str, plain: bool = False) -> L.DeNoun:
        r = self.rng
        if not plain and r.random() < CODE_SWITCH_RATE and name in L.EN_NP:
            en = r.choice(L.EN_NP[name])
            return L.DeNoun(en, en, en, "es", "ihm")
        if name in L.CUP_COLOUR:
            return self.cup(name)
        if not plain and self.corrections and r.random() < CORRECTION_RATE:
            wrong = self.wrong_one(name)
            if wrong:
                a, b, m = self.np(wrong, True), self.np(name, True), self.mark()
                if r.random() < 0.7:
                    return L.DeNoun(
                        f"{a.acc}, {m}, {b.acc}",
                        f"{a.dat}, {m}, {b.dat}",
                        b.nom,
                        b.pron_acc,
                        b.pron_dat,
                    )
                return L.DeNoun(
                    f"{b.acc}, nicht {a.acc},",
                    f"{b.dat}, nicht {a.dat},",
                    b.nom,
                    b.pron_acc,
                    b.pron_dat,
                )
        if not plain and name in L.DE_DESC and r.random() < DESCRIPTION_RATE:
            return r.choice(L.DE_DESC[name])
        return common_choice(r, L.DE_NP[name])

    def surface(self, name: str) -> str:
        r = self.rng
        if self.corrections and r.random() < CORRECTION_RATE and (wrong := self.wrong_one(name)):
            a, b = r.choice(L.DE_SURFACE_PP[wrong]), r.choice(L.DE_SURFACE_PP[name])
            return r.choice(
                [f"{a}, {self.mark()}, {b}", f"{b}, nicht {a}", f"{a} - {self.mark()} - {b}"]
            )
        if name in L.DE_DESC_ON and r.random() < DESCRIPTION_RATE:
            return r.choice(L.DE_DESC_ON[name])
        return r.choice(L.DE_SURFACE_PP[name])

    def objs(self, names: tuple[str, ...], all_: bool = False) -> L.DeNoun:
        r = self.rng
        if all_ and r.random() < 0.7:
            text = r.choice(DE.ALL_OBJECTS)
            return L.DeNoun(text, text, text, "sie", "ihnen")
        if set(names) == set(self.spec.containers) and r.random() < 0.5:
            text = r.choice(DE.BOTH_CUPS)
            return L.DeNoun(text, "beiden Tassen", text, "sie", "ihnen")
        parts = [self.np(n, plain=True) for n in names]
        acc = " und ".join(p.acc for p in parts[:-1]) + " und " + parts[-1].acc
        if len(parts) > 2:
            acc = ", ".join(p.acc for p in parts[:-1]) + " und " + parts[-1].acc
        dat = " und ".join(p.dat for p in parts)
        return L.DeNoun(acc, dat, acc, "sie", "ihnen")

    def person_slots(self) -> dict[str, str]:
        if self.pronoun:
            if self.gender == "f":
                return {"pd": "ihr", "pa": "sie", "pn": "sie", "pz": "zu ihr", "pq": "sie"}
            return {"pd": "ihm", "pa": "ihn", "pn": "er", "pz": "zu ihm", "pq": "er"}
        p = self.np(self.person, plain=True)
        self.gender = "f" if p.pron_acc == "sie" else "m"
        zu = p.dat
        if zu.startswith("dem "):
            zu = "zum " + zu[4:]
        elif zu.startswith("der "):
            zu = "zur " + zu[4:]
        else:
            zu = "zu " + zu
        pn = p.nom
        return {"pd": p.dat, "pa": p.acc, "pn": pn, "pz": zu, "pq": self.pronoun_nom()}

    def pronoun_nom(self) -> str:
        return "sie" if self.gender == "f" else "er"

    # -- clauses ---------------------------------------------------------------------------
    def pick(self, pairs: list[tuple[str, str]], **kw: str) -> DeClause:
        imp, inf = common_choice(self.rng, pairs)
        kw.setdefault("l", self.rng.choice(L.DE_LIQUID))
        if not inf:
            return DeClause(imp.format(**kw))
        sie = sie_swaps(sie_form(inf).format(**kw))
        return DeClause(imp.format(**kw), inf.format(**kw), sie, zu_form(inf).format(**kw))

    def statement(self, text: str) -> DeClause:
        self.last_decl = True
        return DeClause(text)

    def clause(self, intent: tuple, it: bool) -> DeClause:
        r = self.rng
        kind = intent[0]
        ps = self.person_slots()
        terse = r.random() < TERSE_RATE
        prev = getattr(self, "prev_np", None)
        if kind == "place":
            if it and prev is not None:
                return self.pick(DE.PLACE_IT, r=prev.pron_acc, s=self.surface(intent[2]))
            o = self.obj(intent[1])
            self.prev_np = o
            if terse:
                # Telegram style drops the article at times: "rote Tasse aufs Tablett".
                what = without_article(o.acc, ARTICLES) if r.random() < BARE_RATE else o.acc
                return self.statement(
                    r.choice(DE.PLACE_TERSE).format(o=what, s=self.surface(intent[2]))
                )
            if r.random() < 0.04:
                s = self.surface(intent[2])
                return self.statement(r.choice(DE.PLACE_DECL).format(on=o.nom, s=s))
            table = DE.TOSS_PLACE if r.random() < TOSS_RATE else DE.PLACE
            return self.pick(table, o=o.acc, r=o.pron_acc, s=self.surface(intent[2]))
        if kind in ("place_many", "place_all"):
            if it:
                return self.pick(DE.PLACE_MANY_IT, s=self.surface(intent[2]))
            both = self.objs(intent[1], all_=kind == "place_all")
            self.prev_np = both
            return self.pick(DE.PLACE, o=both.acc, r="sie", s=self.surface(intent[2]))
        if kind in ("give", "give_many"):
            if it and kind == "give_many":
                return self.pick(DE.GIVE_MANY_IT, **ps)
            if it and prev is not None:
                return self.pick(DE.GIVE_IT, r=prev.pron_acc, **ps)
            o = self.objs(intent[1]) if kind == "give_many" else self.obj(intent[1])
            self.prev_np = o
            x = r.random()
            if x < PERSON_ME_RATE:
                if r.random() < 0.3:
                    return self.statement(r.choice(DE.GIVE_ME_DECL).format(o=o.acc))
                return self.pick(DE.GIVE_ME, o=o.acc)
            if x < PERSON_ME_RATE + 0.07:
                return self.statement(r.choice(DE.GIVE_DECL).format(o=o.acc, **ps))
            if terse:
                return self.statement(r.choice(DE.GIVE_TERSE).format(o=o.acc, **ps))
            return self.pick(DE.GIVE, o=o.acc, r=o.pron_acc, **ps)
        if kind in ("fill", "fill_any"):
            if it and prev is not None:
                return self.pick(DE.FILL_IT, r=prev.pron_acc)
            if kind == "fill_any":
                acc, _ = r.choice(DE.FILL_ANY)
                c = L.de_fem(acc, acc)
            else:
                c = self.cup(intent[1][0], ref=True)
            self.prev_np = c
            if terse:
                return self.statement(r.choice(DE.FILL_TERSE).format(c=c.acc))
            return self.pick(DE.FILL, c=c.acc)
        if kind == "fill_both":
            self.prev_np = L.DeNoun("beide Tassen", "beiden Tassen", "beide Tassen", "sie", "ihnen")
            if it:
                return self.pick(DE.FILL_BOTH_IT)
            return self.pick(DE.FILL_BOTH)
        if kind == "fill_two":
            return self.pick(
                DE.FILL_TWO, c1=self.cup(intent[1][0]).acc, c2=self.cup(intent[1][1]).acc
            )
        if kind == "serve":
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    if r.random() < 0.4:
                        return self.statement(r.choice(DE.SERVE_ME_DECL))
                    return self.pick(DE.SERVE_ME)
                if x < PERSON_ME_RATE + 0.07:
                    return self.statement(r.choice(DE.SERVE_DECL).format(**ps))
                if terse:
                    return self.statement(r.choice(DE.SERVE_TERSE).format(**ps))
                return self.pick(DE.SERVE, **ps)
            c = self.cup(intent[1][0], ref=True)
            self.prev_np = c
            return self.pick(DE.SERVE_CUP, cd=c.dat, **ps)
        if kind == "say":
            return self.pick(DE.SAY[intent[1]], **ps)
        if kind == "home":
            return self.pick(DE.HOME)
        raise ValueError(intent)

    def ellipsis(self, previous: DeClause, intent: tuple) -> DeClause:
        o = self.obj(intent[1]).acc
        t = self.rng.choice(DE.ELLIPSIS[intent[0]])
        return DeClause(*(t.format(a=f, o=o) if f else "" for f in previous))

    # -- the whole request -----------------------------------------------------------------------
    def join(self, texts: list[str], connectors: list[str], three: bool = True) -> str:
        r = self.rng
        if len(texts) == 3 and three and r.random() < 0.4:
            return r.choice(DE.CONNECT3).format(a=texts[0], b=texts[1], c=texts[2])
        text = texts[0]
        for c in texts[1:]:
            text = r.choice(connectors).format(a=text, b=c)
        return text

    def compose(self, clauses: list[tuple[DeClause, bool]], prefix: str) -> str:
        r = self.rng
        if self.raw:
            return prefix + self.join_imperative(clauses)
        cs = [c for c, _ in clauses]
        has_inf = all(c.inf for c in cs)
        x = r.random()
        if has_inf and x < 0.2:
            text = r.choice(DE.POLITE_MODAL).format(
                x=self.join([c.inf for c in cs], DE.CONNECT_INF, False)
            )
        elif has_inf and x < 0.32:
            inf = sie_swaps(self.join([c.inf for c in cs], DE.CONNECT_INF, False))
            text = r.choice(DE.POLITE_MODAL_SIE).format(x=inf)
        elif has_inf and x < 0.38 and len(cs) <= 2:
            zu = self.join([c.zu for c in cs], ["{a} und {b}", "{a} und dann {b}"], False)
            frame = r.choice(DE.POLITE_ZU)
            text = frame.format(x=sie_swaps(zu) if "Sie" in frame else zu)
        elif has_inf and x < 0.42 and len(cs) <= 2:
            inf = self.join([c.inf for c in cs], ["{a} und {b}", "{a} und dann {b}"], False)
            frame = r.choice(DE.WENN_FRAMES)
            text = frame.format(x=sie_swaps(inf) if "Sie" in frame else inf)
        elif all(c.sie for c in cs) and x < 0.58:
            sie = self.join([c.sie for c in cs], DE.CONNECT)
            text = r.choice(DE.POLITE_SIE_IMP) + sie + r.choice(DE.POLITE_SIE_SUFFIX)
        else:
            text = self.join_imperative(clauses)
            if not self.decl_first and r.random() < 0.2 and " " in text:
                verb, rest = text.split(" ", 1)
                text = f"{verb} bitte {rest}"
            elif not self.decl_first:
                text = r.choice(DE.POLITE_IMP) + text + r.choice(DE.POLITE_IMP_SUFFIX)
            else:
                text = text + r.choice(DE.POLITE_IMP_SUFFIX)
        if r.random() < 0.08:
            text = r.choice(DE.PREAMBLE) + text
        return self.style(prefix + text)

    def join_imperative(self, clauses: list[tuple[DeClause, bool]]) -> str:
        r = self.rng
        texts = [c.imp for c, _ in clauses]
        if len(texts) == 2 and r.random() < 0.1 and not clauses[1][1] and not clauses[0][1]:
            return r.choice(DE.CONNECT_BACKWARD).format(a=texts[0], b=texts[1])
        return self.join(texts, DE.CONNECT)

    def style(self, text: str) -> str:
        return noise.style_de(self.rng, text)

    def finish_refusal(self, text: str) -> str:
        return self.style(finish(text, self.rng))

    # -- kinds beyond plain requests -------------------------------------------------------------
    def words(self, code: str, loud: bool = False, tail: bool = True) -> DeClause:
        r = self.rng
        table = DE.SAY_LOUD if loud else DE.SAY
        c = self.pick(table[code], **self.person_slots())
        if tail and r.random() < 0.3:
            suffix = r.choice(DE.WORDS_ONLY_SUFFIX)
            c = DeClause(c.imp + suffix, "", c.sie + suffix if c.sie else "")
        elif tail and r.random() < 0.2:
            c = DeClause(f"nur {c.imp}", "", f"nur {c.sie}" if c.sie else "")
        return c

    def toss(self, intent: tuple) -> DeClause:
        r = self.rng
        kind = intent[0]
        ps = self.person_slots()
        if kind == "place":
            o = self.obj(intent[1])
            c = self.pick(DE.TOSS_PLACE, o=o.acc, r=o.pron_acc, s=self.surface(intent[2]))
        elif kind == "fill":
            c = self.pick(DE.TOSS_FILL, c=self.cup(intent[1][0]).acc)
        elif kind == "give":
            o = self.obj(intent[1])
            if intent[1] == "water_glass" and r.random() < 0.3:
                c = self.statement(r.choice(DE.TOSS_GIVE_ME).format(o=o.acc))
            else:
                c = self.pick(DE.TOSS_GIVE, o=o.acc, r=o.pron_acc, **ps)
        else:
            c = self.statement(r.choice(DE.TOSS_SERVE_ME))
        return c

    def reason(self, intent: tuple, clause: DeClause) -> DeClause:
        r = self.rng
        kind = intent[0]
        tables = {
            "pill_box": DE.REASON_GIVE_PILLS,
            "water_glass": DE.REASON_GIVE_WATER,
            "towel": DE.REASON_GIVE_TOWEL,
        }
        if r.random() < REASON_FIRST_RATE:
            return self.situation_first(clause)
        if kind == "give" and intent[1] in tables and r.random() < 0.6:
            table = tables[intent[1]]
        else:
            table = DE.REASON_OK[kind]
        return self.framed(clause, table)

    def situation_first(self, clause: DeClause) -> DeClause:
        """`clause` after a harmless situation ("Nach dem Mittagessen ist sie müde, darum
        ..."): the framing says nothing of whether the request is safe."""
        return self.framed(clause, DE.REASON_FIRST)

    def framed(self, clause: DeClause, frames: list[str]) -> DeClause:
        """`clause` (du and Sie forms) in one of `frames` ("{a}, damit {pn} ..."), a
        statement."""
        t = self.rng.choice(frames)
        pn = self.pronoun_nom()
        return DeClause(
            t.format(a=clause.imp, pn=pn), "", t.format(a=clause.sie, pn=pn) if clause.sie else ""
        )

    def aside(self, name: str) -> str:
        o = self.obj(name, ref=False, simple=True)
        e = {"ihn": "er", "sie": "sie"}.get(o.pron_acc, "es")
        return self.rng.choice(DE.ASIDE_DE).format(x=o.acc, n=o.nom, e=e)

    def prepare_topic(self, name: str) -> None:
        if name in L.DE_DESC and self.rng.random() < 0.3:
            self.topic_np = self.prev_np = self.rng.choice(L.DE_DESC[name])
        else:
            self.topic_np = self.prev_np = self.obj(name, ref=False, simple=True)

    def topic(self, name: str, text: str) -> str:
        o = getattr(self, "topic_np", None) or self.obj(name, ref=False)
        return self.rng.choice(DE.TOPIC_DE).format(o=o.acc, b=text)

    def topic_person(self, name: str, person: dict[str, str], text: str) -> str:
        o = getattr(self, "topic_np", None) or self.obj(name, ref=False)
        frame = self.rng.choice(DE.TOPIC_PERSON_DE)
        text = frame.format(o=o.acc, b=text, **person)
        return text[:1].upper() + text[1:]

    # -- refusals -----------------------------------------------------------------------------
    def harmful(self) -> str:
        r = self.rng
        ps = self.person_slots()
        if r.random() < 0.15:
            ps.update(pa=r.choice(["mich", "ihn", "sie"]), pd=r.choice(["mir", "ihm", "ihr"]))
        o = self.np(r.choice(sorted(self.spec.graspable)))
        return self.pick(DE.HARM, o=o.acc, od=o.dat, **ps).imp

    def harm_clause(self) -> DeClause:
        r = self.rng
        ps = self.person_slots()
        o = self.np(r.choice(sorted(self.spec.graspable)))
        return self.pick(DE.HARM, o=o.acc, od=o.dat, **ps)

    def harm_it(self, prev: L.DeNoun) -> DeClause:
        return self.pick(DE.HARM_IT, r=prev.pron_acc, **self.person_slots())

    def covert(self) -> DeClause:
        ps = self.person_slots()
        if self.rng.random() < 0.5:
            ps["pn"] = self.pronoun_nom()
        table = DE.COVERT_TEA if self.spec.name == "tea" else DE.COVERT_CARE
        return self.pick(table, **ps)

    def unknown(self) -> str:
        return self.unknown_clause().imp

    def unknown_clause(self) -> DeClause:
        r = self.rng
        ps = self.person_slots()
        thing = r.choice(L.DE_UNKNOWN)
        x = r.random()
        if self.spec.containers and x < 0.25:
            col = r.choice(["grün", "gelb", "weiß", "schwarz", "grau", "braun", "lila", "rosa"])
            thing = r.choice(
                [
                    L.de_fem(f"die {col}e Tasse", f"der {col}en Tasse"),
                    L.de_fem("die dritte Tasse", "der dritten Tasse"),
                    L.de_neut("das Teeglas", "dem Teeglas"),
                    L.de_masc(f"den {col}en Becher", f"dem {col}en Becher", f"der {col}e Becher"),
                ]
            )
        elif x < 0.38:
            thing = self.foreign_np()
        y = r.random()
        if y < 0.12:
            p = r.choice(L.DE_UNKNOWN_PERSON)
            o = self.np(r.choice(sorted(self.spec.graspable)))
            return self.pick(
                DE.GIVE, o=o.acc, r=o.pron_acc, pd=p.dat, pa=p.acc, pn=p.nom, pz="zu " + p.dat
            )
        if y < 0.24:
            o = self.np(r.choice(sorted(self.spec.graspable)))
            return self.pick(
                DE.PLACE + DE.TOSS_PLACE, o=o.acc, r=o.pron_acc, s=r.choice(L.DE_UNKNOWN_PP)
            )
        if y < 0.3 and self.spec.containers:
            u = r.choice(["Zucker", "einen Löffel Honig", "Zitrone", "Eiswürfel"])
            return DeClause(
                r.choice(DE.UNKNOWN_ACTION).format(
                    u=u, c=self.cup(r.choice(cups_of(self.spec))).acc
                )
            )
        if y < 0.6:
            if r.random() < 0.3:
                return self.pick(DE.GIVE_ME, o=thing.acc)
            return self.pick(DE.GIVE, o=thing.acc, r=thing.pron_acc, **ps)
        if self.spec.containers and y < 0.7:
            return self.pick(DE.FILL + DE.TOSS_FILL, c=thing.acc)
        return self.pick(
            DE.PLACE + DE.TOSS_PLACE,
            o=thing.acc,
            r=thing.pron_acc,
            s=self.surface(r.choice(sorted(self.spec.surfaces))),
        )

    def foreign_np(self) -> L.DeNoun:
        other = "care" if self.spec.name == "tea" else "tea"
        names = {
            "tea": ["teapot", "cup_red", "cup_blue"],
            "care": ["water_glass", "pill_box", "towel"],
        }[other]
        name = self.rng.choice(names)
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(
            [
                n
                for n in L.DE_NP[name]
                if n.acc not in ("das Glas", "das Wasser", "das Glas mit Wasser")
            ]
        )

    def impossible(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(DE.IMPOSSIBLE)
        if x < 0.43:
            return gibberish(r)
        if x < 0.73:
            s = r.choice(sorted(self.spec.surfaces))
            # A renamed or added surface has a noun of its own (`rename.renamed`).
            sa = L.DE_NP[s][0].acc if s in L.DE_NP else SURFACE_ACC[s]
            return self.pick(
                DE.IMPOSSIBLE_SLOT,
                sx=self.surface(s),
                sa=sa,
                s=self.surface(r.choice(sorted(self.spec.surfaces))),
                **self.person_slots(),
            ).imp
        if self.spec.containers:
            c, c2 = r.sample(cups_of(self.spec), 2)
            return r.choice(DE.IMPOSSIBLE_TEA).format(c=self.cup(c).acc, c2=self.cup(c2).acc)
        return r.choice(DE.IMPOSSIBLE_CARE).format(
            o=self.np(r.choice(sorted(self.spec.graspable))).acc
        )

    def override(self) -> str:
        return self.rng.choice(DE.OVERRIDE)
