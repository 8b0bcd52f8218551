"""Countries' capitals and adjectives, from the ``countryinfo`` package's table (offline, no download).

Wire copy names a government by its capital ("Moscow sent tanks", "Zagreb's volunteers"); the guide makes
such a capital an alias of the side it stands for, never a belligerent of its own. This module answers
two questions for that: which country a capital is the capital of, and whether an actor's name is that
country's own body ("Russia", "Croatian National Guard", "Central African army").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from countryinfo import all_countries

# Words that end a state's own armed or governing body after its adjective ("Croatian National Guard").
_STATE_BODY = re.compile(
    r"^(?:national\s+)?(?:army|armed forces|forces|military|troops|soldiers|guard|navy"
    r"|air force|police|government|authorities|defen[cs]e forces?|security forces|border guards?)$",
    re.IGNORECASE,
)


def _key(name: str) -> str:
    """Casefolded, without accents, apostrophes or full stops: "Sana'a" and "Sanaa", "Bogotá" and "Bogota"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return " ".join(re.sub(r"['’.]", "", plain).casefold().split())


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, str]]:
    """(capital key -> country, country key -> its adjectives, spelling key -> country)."""
    capitals: dict[str, str] = {}
    adjectives: dict[str, tuple[str, ...]] = {}
    spellings: dict[str, str] = {}
    for info in all_countries():
        try:
            country, capital, demonym = info.name(), info.capital(), info.demonym()
            others = info.alt_spellings()
        except (KeyError, AttributeError, TypeError):  # an entry without one of the fields
            continue
        if not isinstance(country, str):
            continue
        for spelling in [country, *(others or [])]:
            if isinstance(spelling, str) and len(spelling) > 3:  # not the two- and three-letter codes
                spellings.setdefault(_key(spelling), country)
        for city in [capital] if isinstance(capital, str) else capital or []:  # some countries have several
            capitals.setdefault(_key(city), country)
            capitals.setdefault(_key(city.split(" D.C.")[0]), country)  # "Washington D.C." -> "Washington"
        if isinstance(demonym, str):
            adjectives[_key(country)] = tuple(d.strip() for d in demonym.split(",") if d.strip())
    return capitals, adjectives, spellings


def country_of_capital(name: str) -> str | None:
    """The country whose capital ``name`` is ("Zagreb" -> "Croatia"), else None."""
    return _table()[0].get(_key(name))


def stands_for(name: str, country: str) -> bool:
    """Whether ``name`` is ``country`` itself (or another spelling of it: "Russian Federation"), or one
    of its own bodies named with its adjective ("Croatian National Guard", "Central African army")."""
    _, adjectives, spellings = _table()
    if spellings.get(_key(name)) == country or _key(name) == _key(country):
        return True
    for adjective in adjectives.get(_key(country), ()):
        stripped = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
        if stripped.casefold().startswith(adjective.casefold() + " "):
            if _STATE_BODY.match(stripped[len(adjective) + 1 :]):
                return True
    return False


def is_country(name: str) -> bool:
    """Whether ``name`` is a country's name or another spelling of it ("Mali", "Kyrgyzstan"; not
    "Salvador", whose country is "El Salvador")."""
    return _key(name) in _table()[2]
