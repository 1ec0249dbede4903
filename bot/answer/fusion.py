"""Rank fusion and date signals for hybrid retrieval.

Reciprocal rank fusion (Cormack et al., 2009) merges the dense and BM25 rankings by rank alone,
so their incomparable scores never need calibrating. The date signal then multiplies each
chunk's fused score: articles published after the question was asked are demoted (they did not
exist yet for the asker), and time-relative questions ("this week", "latest") favour articles
published shortly before the as-of date, decaying exponentially with age.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.settings import DEFAULTS

TIME_RELATIVE = re.compile(
    r"\b(?:this|last|past|previous|coming|next)\s+(?:week|weekend|month|year|season|summer|"
    r"winter|spring|fall|autumn|few\s+days)\b|\b(?:recent|recently|latest|lately|today|tonight|"
    r"yesterday|currently|current|now|new|newly|just|upcoming|soon|ongoing)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DatePolicy:
    """How publication dates reshape the fused ranking."""

    recency_days: float = DEFAULTS["recency_days"]  # e-folding age of the boost
    recency_boost: float = 1.0  # a just-published article scores up to (1 + boost) times more
    future_factor: float = 0.5  # multiplier for articles published after the as-of date


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], *, k: int = 60, weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Sum `weight / (k + rank)` over every ranking an id appears in (ranks start at 1)."""
    fused: dict[str, float] = {}
    for index, ranking in enumerate(rankings):
        weight = weights[index] if weights is not None else 1.0
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def is_time_relative(question: str) -> bool:
    """True when the question is about "now" ("this week", "recently", "latest", "new"...)."""
    return TIME_RELATIVE.search(question) is not None


def parse_date(value: str) -> dt.date | None:
    """A date from an ISO string ("2024-03-15" or a timestamp), or None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def date_factor(
    published: dt.date | None,
    as_of: dt.date | None,
    *,
    time_relative: bool,
    policy: DatePolicy,
) -> float:
    """The multiplier for a chunk's fused score given its article's publication date."""
    if published is None or as_of is None:
        return 1.0
    age = (as_of - published).days
    if age < 0:
        return policy.future_factor
    if not time_relative:
        return 1.0
    return 1.0 + policy.recency_boost * math.exp(-age / policy.recency_days)
