"""Claim-by-claim checking of model answers, through `citebot ask --json` over the mocked wire.

Faithful answers over the seed article, in every citation style models write, are posted as the
model's (mode "llm", no notice, one canonical `claim [1].` style); answers with one planted error
of each kind never reach the posted text, and `claims` says which claim went and why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from bot import app as app_module
from bot.answer.answering import REFUSAL
from bot.answer.posting import UNVERIFIED_NOTICE
from bot.cli.claims_cmd import register
from bot.cli.main import app
from tests.conftest import OpenAIWire
from tests.conftest import _stream_response as stream_response

runner = CliRunner()
TARGET = "What is Honda's 2040 target?"
PARTNER = "Will Nissan and Honda partner on EV components?"
MICRA = "Where will the Nissan electric Micra be manufactured?"


@pytest.fixture
def ask(seeded_store: Path, openai_wire: OpenAIWire, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `citebot ask --json QUESTION` in LLM mode against the mocked endpoint."""
    monkeypatch.setenv("CITEBOT_STORE", str(seeded_store))
    monkeypatch.setenv("CITEBOT_COLLECTION", "seeds")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://llm.test/v1")
    monkeypatch.setenv("CITEBOT_LLM_MAX_RETRIES", "0")
    real = app_module.build_citebot

    def build(settings: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("http_client", openai_wire.client())
        return real(settings, **kwargs)

    monkeypatch.setattr(app_module, "build_citebot", build)

    def run(question: str, reply: Any) -> dict[str, Any]:
        openai_wire.reply(reply)
        result = runner.invoke(app, ["ask", "--json", question])
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    return run


FAITHFUL = {
    "after the full stop": (
        TARGET,
        "Honda is aiming for 100% electric and fuel cell vehicle sales by 2040. [1]",
    ),
    "no space": (
        TARGET,
        "Honda is aiming for 100 percent electric and fuel cell vehicle sales by 2040.[1]",
    ),
    "before the full stop": (TARGET, "Honda targets 100 percent electric sales by 2040 [1]."),
    "leading marker": (
        TARGET,
        "[1] Honda has set ambitious targets. It aims for 100 percent electric and fuel cell "
        "vehicle sales by 2040.",
    ),
    "list of numbers": (TARGET, "Honda targets 100 percent electric sales by 2040 [1, 1]."),
    "range": (TARGET, "Honda targets 100 percent electric sales by 2040 [1-1]."),
    "cjk brackets": (TARGET, "Honda targets 100 percent electric sales by 2040【1】."),
    "footnote": (TARGET, "Honda targets 100 percent electric sales by 2040 [^1]."),
    "source in parentheses": (
        TARGET,
        "Honda targets 100 percent electric sales by 2040 (Source 1).",
    ),
    "source label": (TARGET, "Source [1]: Honda targets 100 percent electric sales by 2040."),
    "sources line": (TARGET, "Honda targets 100 percent electric sales by 2040.\n\nSources: [1]"),
    "bold": (TARGET, "**Honda** targets **100 percent electric** sales by 2040 [1]."),
    "prose citation": (
        TARGET,
        "This can be seen in the source [1] where it states: Honda targets 100 percent electric "
        "sales by 2040.",
    ),
    "yes first": (PARTNER, "Yes. Nissan and Honda may partner on key EV components [1]."),
    "framing phrase": (
        TARGET,
        "Based on the provided sources, Honda aims for 100% electric sales by 2040 [1].",
    ),
    "bullets": (
        PARTNER,
        "- key components for electric vehicles [1]\n- production of kei cars [1]",
    ),
    "numbered list": (
        PARTNER,
        "1. Key components for electric vehicles [1]\n2. Production of kei cars [1]",
    ),
    "negated as the passage is": (
        PARTNER,
        "Formal talks between Nissan and Honda have not started yet [1].",
    ),
    "sources counted in prose": (
        "Could the deal affect Honda's GM partnership?",
        "Yes, it could potentially affect Honda's existing collaboration with General Motors, "
        "according to two sources [1].",
    ),
    "hedge first": (
        "Could the deal affect Honda's GM partnership?",
        "Possibly. Two sources suggested the partnership could impact Honda's existing GM "
        "collaboration [1].",
    ),
    "part of a long sentence": (
        "Have Nissan and Honda started formal talks?",
        "Not yet: sources said formal talks between Nissan and Honda haven't started [1].",
    ),
    "paraphrased subordinate clause": (
        PARTNER,
        "Honda is weighing several options, including a partnership with Nissan, but many "
        "issues must be resolved before any new collaboration [1].",
    ),
    "the two for both": (
        PARTNER,
        "The idea of cooperation came up in discussions between the two companies' chief "
        "executives [1].",
    ),
    "paragraphs": (
        MICRA,
        "The electric Micra will be manufactured in northern France [1].\n\n"
        "It will share a common architecture with the new Renault Five [1].",
    ),
}


@pytest.mark.parametrize("style", list(FAITHFUL))
def test_faithful_answer_in_any_style_is_posted_as_the_models(style: str, ask: Any) -> None:
    question, reply = FAITHFUL[style]
    data = ask(question, reply)

    assert data["mode"] == "llm" and not data["refused"] and not data["fallback"]
    assert data["notice"] == ""
    assert data["citations"] and data["citations"][0]["doc_id"] == "seed-nissan-honda-ev"
    assert all(c["decision"] in {"kept", "re-cited"} for c in data["claims"])
    text = data["answer"]
    assert not re.search(r"【|\[\^|\(Source|Sources?:|\*\*|\[\d+,", text), text
    assert re.search(r" \[1\][.!?]?$", text.splitlines()[0]), "canonical `claim [1].`"


PLANTED = {
    "number": (
        TARGET,
        "Honda aims for 80 percent electric and fuel cell vehicle sales by 2040 [1].",
        "80",
        "number",
    ),
    "date": (
        TARGET,
        "Honda aims for 100 percent electric and fuel cell vehicle sales by 2035 [1].",
        "2035",
        "number 2035",
    ),
    "person": (
        TARGET,
        "Honda chief executive Ines Marquardt targets 100 percent electric sales by 2040 [1].",
        "Marquardt",
        "Ines Marquardt not in",
    ),
    "organisation": (
        MICRA,
        "Nissan is engaged in a collaboration with Toyota focusing on EVs [1].",
        "Toyota",
        "Toyota not in",
    ),
    "place": (
        MICRA,
        "The upcoming Nissan electric Micra will be manufactured at a facility in northern "
        "Spain [1].",
        "Spain",
        "place Spain not in",
    ),
    "negation": (
        TARGET,
        "Honda has abandoned its target of 100 percent electric and fuel cell vehicle sales by "
        "2040 [1].",
        "abandoned",
        "negation",
    ),
    "reversed verb": (
        "Did Nissan comment on the report by TV Tokyo?",
        "A spokesperson for Nissan confirmed the report, and Honda had no information to share "
        "[1].",
        "confirmed",
        "negation",
    ),
    "added fact without a name": (
        TARGET,
        "Honda targets 100 percent electric sales by 2040, a goal its board of directors set "
        "last spring [1].",
        "board of directors",
        'board of directors set last spring" not in [1]',
    ),
    "invented figure": (
        PARTNER,
        "Nissan and Honda may partner in a $2 billion deal on key EV components [1].",
        "$2 billion",
        "number 2 billion not in [1]",
    ),
    "outside fact": (
        TARGET,
        "Honda targets 100 percent electric sales by 2040, backed by a new battery plant in "
        "Ohio [1].",
        "Ohio",
        "Ohio not in",
    ),
}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_planted_error_never_reaches_the_posted_answer(kind: str, ask: Any) -> None:
    question, reply, planted, reason = PLANTED[kind]
    data = ask(question, reply)

    assert planted not in data["answer"]
    assert data["mode"] == "extractive" or data["refused"]
    assert data["notice"] in {UNVERIFIED_NOTICE, ""}
    (claim,) = data["claims"]
    assert claim["decision"] == "removed" and reason in claim["reason"]


def test_a_second_unsupported_claim_is_removed_with_the_notice(ask: Any) -> None:
    data = ask(
        TARGET,
        "Honda targets 100 percent electric sales by 2040 [1]. "
        "Honda will also open a factory in northern Spain [1].",
    )

    assert data["mode"] == "llm" and "Spain" not in data["answer"]
    assert data["notice"] == "Statements with no supporting source were removed."
    assert [c["decision"] for c in data["claims"]] == ["kept", "removed"]
    assert data["claims"][1]["reason"] == "place Spain not in [1]"


def wrong_number(request: httpx2.Request) -> httpx2.Response:
    """Cite the kei-car fact to a source that does not hold it (the first one that lacks it)."""
    user = json.loads(request.content)["messages"][1]["content"]
    sources = re.findall(r'<source n="(\d+)"[^>]*>(.*?)</source>', user, re.DOTALL)
    wrong = next(n for n, text in sources if "kei car" not in text)
    reply = f"Nissan is contemplating collaboration with Honda on kei car production [{wrong}]."
    return stream_response(reply, "test-model-1")


def test_wrong_source_number_is_re_cited_to_the_passage_that_says_it(ask: Any) -> None:
    data = ask(PARTNER, wrong_number)

    assert data["mode"] == "llm" and data["notice"] == ""
    (claim,) = data["claims"]
    assert claim["decision"] == "re-cited" and "supported by" in claim["reason"]
    wrong = data["retrieved"][claim["cited"][0] - 1]["chunk_id"]
    assert [c["chunk_id"] for c in data["citations"]] != [wrong]


@pytest.mark.parametrize(
    "reply",
    [
        "[1] [2]",
        "The sources [1] and [2] provide this information.",
        "Honda has a 2040 target [1].",
    ],
)
def test_an_answer_with_no_claim_left_is_never_posted_as_the_models(reply: str, ask: Any) -> None:
    data = ask(TARGET, reply)

    assert data["mode"] == "extractive" or data["refused"]
    assert "provide this information" not in data["answer"]


COST = "How much will the Nissan-Honda partnership cost?"


@pytest.mark.parametrize(
    "reply",
    [
        "I don't know based on these sources.",
        "The sources do not say how much the partnership would cost.",
        "The provided articles don't mention a price for the partnership.",
        "No information is given about the cost of the partnership.",
    ],
)
def test_a_model_saying_the_sources_do_not_say_is_a_refusal(reply: str, ask: Any) -> None:
    """However the model words it, "the sources don't say" is refused: never a quoted guess."""
    data = ask(COST, reply)

    assert data["refused"] and data["answer"] == REFUSAL
    assert not data["citations"]


def test_eval_claims_scores_each_kind_and_skips_rows_whose_article_is_absent(
    tmp_path: Path,
) -> None:
    seed = "seeds/000_1892bcad98d92338.md"
    text = (Path(__file__).resolve().parent.parent / seed).read_text(encoding="utf-8")
    sentence = "Honda has set ambitious targets"
    start = text.index(sentence)
    span = [start, text.index(".", start) + 1]
    base = {"doc_root": "repo", "doc_file": seed, "doc_id": "seed-nissan-honda-ev", "span": span}
    rows = [
        {
            **base,
            "id": "t-0002",
            "kind": "faithful",
            "supported": True,
            "claim": "[1] Honda aims for 100% electric and fuel cell vehicle sales by 2040.",
        },
        {
            **base,
            "id": "t-0003",
            "kind": "date",
            "supported": False,
            "claim": "Honda aims for 100% electric and fuel cell vehicle sales by 2035 [1].",
        },
        {
            **base,
            "id": "t-0004",
            "kind": "negation",
            "supported": False,
            "claim": "Honda has abandoned its goal of 100% electric vehicle sales by 2040 [1].",
        },
        {
            **base,
            "id": "t-0005",
            "doc_root": "shared",
            "doc_file": "corpus/absent.md",
            "kind": "faithful",
            "supported": True,
            "claim": "Anything [1].",
        },
    ]
    claims = tmp_path / "claims.jsonl"
    claims.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    register(app)
    result = runner.invoke(
        app, ["eval-claims", str(claims), "--shared", str(tmp_path / "none"), "--no-embedder"]
    )

    assert result.exit_code == 0, result.output
    assert "Skipped 1 of 4 rows" in result.output
    table = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "1.000 (1)" in table["faithful"]
    assert "1.000 (1)" in table["date"] and "1.000 (1)" in table["negation"]


ARTICLE = (
    "Only 222 cities of the 6,475 analyzed met the standard, the report said.\n\n"
    "Rep. Barbara Lee, a California Democrat, introduced the bill in 2020.\n\n"
    "The bill was celebrated in New York City. The strike began after more than a year and a "
    "half of negotiating."
)
CITIES, LEE, STRIKE = ARTICLE.split("\n\n")


@pytest.mark.parametrize(
    ("passage", "claim", "supported", "reason"),
    [
        (CITIES, "Just 22 of the 6,475 cities met the standard.", False, "number 22 not in [1]"),
        (STRIKE, "The strike began after more than 18 months of negotiating.", True, ""),
        (LEE, "Barbara Lee, a New York Democrat, introduced the bill.", False, "New York"),
        (LEE, "Lee, a California Democrat, introduced the bill in 2020.", True, ""),
        (LEE, "It's Lee, a California Democrat, who introduced the bill in 2020.", True, ""),
    ],
)
def test_checker_reads_dates_durations_and_whole_names(
    passage: str, claim: str, supported: bool, reason: str
) -> None:
    """The publication day is not a count, "18 months" restates "a year and a half", and a name
    the passage lacks is not completed from words scattered elsewhere in the article."""
    from bot.answer.support import Checker, Source

    source = Source.of(passage, meta="Air quality report\n2022-03-22", context=ARTICLE)
    verdict = Checker(None).check(claim, source, "[1]")

    assert verdict.supported is supported
    assert reason in verdict.reason
