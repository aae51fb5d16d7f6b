"""American and British spellings of the same word, so the guard can refuse a rewrite that
respells a writer's English into the other dialect (a small model trained mostly on
American text turns "colour" into "color" as if it were a correction).

A small built-in list: the regular patterns (-our/-or, -ise/-ize, -yse/-yze, -re/-er,
doubled l) over common stems, and some irregular pairs.  Words in neither list are
never judged.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_OUR = ("arbour armour behaviour candour clamour colour demeanour endeavour favour flavour fervour harbour honour "
        "humour labour neighbour odour parlour rancour rigour rumour savour splendour tumour valour vapour vigour")
_OUR_ENDINGS = ("", "s", "ed", "ing", "ful", "fully", "less", "able", "ably", "ite", "ites", "er", "ers", "hood",
                "hoods")
_ISE = ("apolog author capital categor central civil critic custom emphas familiar final general harmon initial "
        "legal local maxim memor minim mobil modern normal optim organ penal popular priorit real recogn "
        "serial special standard summar symbol synchron util visual character colon econom fertil "
        "global human immun jeopard legitim material monopol neutral patron polar rational revital sanit "
        "scrutin social stabil steril subsid sympath theor tranquil vandal vapor vocal western")
_ISE_ENDINGS = ("ise", "ised", "ises", "ising", "isation", "isations", "iser", "isers", "isable")
_YSE = "anal catal paral dial electrol hydrol"
_YSE_ENDINGS = ("yse", "ysed", "ysing", "yser", "ysers")  # not "-yses": also the plural of "-ysis"
# not "metre": a "meter" is British too
_RE = "cent theat lit fib calib somb spect lust sab mit kilomet centimet millimet"
_RE_ENDINGS = (("re", "er"), ("res", "ers"), ("red", "ered"))
_DOUBLE_L = ("travel cancel model label fuel signal level marvel channel counsel dial duel equal funnel "
             "jewel libel pencil quarrel revel rival shovel tunnel")
_DOUBLE_L_ENDINGS = (("lled", "led"), ("lling", "ling"), ("ller", "ler"), ("llers", "lers"))
# Only pairs where the other spelling is wrong in the dialect: not "program", "check",
# "story", "license" or "meter", which British English also uses.
_IRREGULAR = {
    "aeroplane": "airplane", "aeroplanes": "airplanes", "aluminium": "aluminum", "anaemia": "anemia",
    "anaesthetic": "anesthetic", "catalogue": "catalog", "catalogues": "catalogs", "cosy": "cozy",
    "defence": "defense", "defences": "defenses", "encyclopaedia": "encyclopedia", "enrol": "enroll",
    "enrols": "enrolls", "fulfil": "fulfill", "fulfils": "fulfills", "grey": "gray", "greys": "grays",
    "jewellery": "jewelry", "leukaemia": "leukemia", "manoeuvre": "maneuver", "manoeuvres": "maneuvers",
    "mould": "mold", "moulds": "molds", "oestrogen": "estrogen", "offence": "offense", "offences": "offenses",
    "paediatric": "pediatric", "plough": "plow", "pretence": "pretense", "pyjamas": "pajamas",
    "sceptic": "skeptic", "sceptical": "skeptical", "sceptics": "skeptics", "skilful": "skillful",
}


@lru_cache(maxsize=1)
def british_to_american() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for stem in _OUR.split():
        base = stem[:-3]
        for ending in _OUR_ENDINGS:
            pairs[base + "our" + ending] = base + "or" + ending
    for ends, stems in ((_ISE_ENDINGS, _ISE), (_YSE_ENDINGS, _YSE)):
        for stem in stems.split():
            for ending in ends:
                pairs[stem + ending] = stem + ending.replace("s", "z", 1)
    for stem in _RE.split():
        for british, american in _RE_ENDINGS:
            pairs[stem + british] = stem + american
    for stem in _DOUBLE_L.split():
        for british, american in _DOUBLE_L_ENDINGS:
            pairs[stem[:-1] + british] = stem[:-1] + american
    pairs.update(_IRREGULAR)
    return pairs


@lru_cache(maxsize=2)
def foreign_spellings(dialect: str) -> frozenset[str]:
    """Lower-cased spellings that belong to the dialect other than ``dialect``."""
    pairs = british_to_american()
    return frozenset(pairs.values() if dialect == "en-GB" else pairs)


_WORD = re.compile(r"[^\W\d_]+")


def respellings(source: str, rewrite: str, dialect: str) -> list[str]:
    """The other dialect's spellings that ``rewrite`` has more often than ``source``."""
    foreign = foreign_spellings(dialect)

    def uses(text: str) -> Counter[str]:
        return Counter(w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w in foreign)

    before, after = uses(source), uses(rewrite)
    return sorted(word for word, count in after.items() if count > before[word])
