"""How informative a word is: the index's IDF blended with English background frequencies.

On a small index every word of its few articles has a near-zero IDF, so IDF alone weighs
"Honda" like "goal". Background frequencies (wordfreq's English list, Zipf scale) know that
"goal" is common and "Honda" rare; the blend leans on the index as it grows.

wordfreq's data file is read directly (msgpack, wordfreq's cBpack layout): importing wordfreq
itself pulls in ftfy and langcodes and costs ~0.8 s, most of the cold `citebot ask` budget.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

# Zipf values: "the" 7.7, "goal" 5.1, "Honda" 3.9, "Micra" 2.1. Words missing from the small
# list are rarer than ~3.0; numbers are as specific as rare words.
UNKNOWN_ZIPF = 2.5
NUMBER_ZIPF = 3.0
COMMON_ZIPF = 6.5
RARE_ZIPF = 2.5
INDEX_PRIOR = 100.0  # documents at which the index's IDF and the background weigh the same


@cache
def _zipf_table() -> Mapping[str, float]:
    import msgpack

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "small_en.msgpack.gz"
    if not path.is_file():
        return {}
    buckets = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    table: dict[str, float] = {}
    for index, bucket in enumerate(buckets[1:]):  # bucket i: frequency 10 ** (-i / 100)
        for word in bucket:
            table.setdefault(word, 9.0 - index / 100)
    return table


def zipf(word: str) -> float:
    """The word's Zipf frequency in English (log10 of occurrences per billion words)."""
    if any(ch.isdigit() for ch in word):
        return NUMBER_ZIPF
    return _zipf_table().get(word.lower(), UNKNOWN_ZIPF)


def background_weight(word: str) -> float:
    """0..1 from background frequency: 0 for "the", 1 for words rarer than `RARE_ZIPF`."""
    value = (COMMON_ZIPF - zipf(word)) / (COMMON_ZIPF - RARE_ZIPF)
    return min(1.0, max(0.0, value))


def blended_weight(
    word: str, stem: str, *, idf: Callable[[str], float] | None, documents: int
) -> float:
    """The word's weight: index IDF (normalised to 0..1) blended with the background weight."""
    background = background_weight(word)
    if idf is None or documents <= 0:
        return background
    top = math.log(1.0 + (documents + 0.5) / 0.5)
    local = min(1.0, idf(stem) / top) if top > 0 else 0.0
    share = documents / (documents + INDEX_PRIOR)
    return share * local + (1.0 - share) * background
