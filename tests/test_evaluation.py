"""The eval scorer on a tiny hand-made set (exact numbers), and `citebot eval` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.extra import register
from bot.cli.main import app
from bot.evaluation import (
    EvalQuestion,
    Outcome,
    QuestionsFileError,
    contains_answer,
    load_questions,
    normalise,
    refusal_frontier,
    score,
    score_by_style,
)
from bot.settings import Settings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Cleveland Browns!", "cleveland browns"),
        ("“Thor: Love and Thunder”", "thor love and thunder"),
        ("An airport", "airport"),
        ("Bed Bath & Beyond", "bed bath beyond"),
        ("Covid-19 tests [2].", "covid 19 tests"),
        ("  Theatre  ", "theatre"),  # only a whole leading article is dropped
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("answer", "golds", "expected"),
    [
        ("Gas costs about $5 a gallon [1].", ["$5"], True),
        ("Gas costs about $500 a gallon.", ["$5"], False),  # whole words only
        ("The Atlanta Braves visited the White House.", ["Atlanta Braves"], True),
        ("Microsoft will buy it.", ["Sony", "microsoft"], True),  # any alias counts
        ("Twitter locked Kanye West’s account.", ["Kanye West"], True),  # possessive
        ("Nothing here.", [], False),
    ],
)
def test_contains_answer(answer: str, golds: list[str], expected: bool) -> None:
    assert contains_answer(answer, golds) is expected


def _q(
    qid: str,
    *,
    answers: tuple[str, ...] = (),
    evidence: tuple[str, ...] = (),
    kind: str = "",
    style: str = "",
) -> EvalQuestion:
    return EvalQuestion(
        id=qid,
        question=f"question {qid}?",
        answers=answers,
        evidence=evidence,
        kind=kind,
        style=style,
    )


def _outcomes() -> list[Outcome]:
    ten = [f"d{i}" for i in range(1, 11) if i != 9] + ["d11"]
    return [
        # evidence at rank 1, answered with the gold, cited passage holds it
        Outcome(
            _q("a", answers=("Maya Angelou",), evidence=("d1",), kind="factoid"),
            refused=False,
            answer="Maya Angelou is on the new quarter [1].",
            documents=["d1", "d2"],
            cited_passages=["... Maya Angelou became the first Black woman on a quarter ..."],
            cited_quotes=["Maya Angelou became the first Black woman on a quarter."],
            retrieve_ms=10,
            total_ms=20,
        ),
        # evidence at rank 3, answered wrongly, citation without the gold
        Outcome(
            _q("b", answers=("Kansas",), evidence=("d3",), kind="factoid"),
            refused=False,
            answer="Voters rejected the amendment [1].",
            documents=["d1", "d2", "d3"],
            cited_passages=["Voters rejected the amendment on Tuesday."],
            cited_quotes=["Voters rejected the amendment on Tuesday."],
            retrieve_ms=20,
            total_ms=40,
        ),
        # evidence not in the top 10, refused
        Outcome(
            _q("c", answers=("Ghana",), evidence=("d9",), kind="factoid"),
            refused=True,
            answer="I couldn't find that in the indexed articles.",
            documents=ten,
            retrieve_ms=30,
            total_ms=30,
        ),
        Outcome(
            _q("d", kind="null"),
            refused=True,
            answer="…",
            documents=[],
            retrieve_ms=40,
            total_ms=40,
        ),
        Outcome(
            _q("e", kind="null"),
            refused=False,
            answer="Something made up [1].",
            documents=["d1"],
            cited_passages=["unrelated"],
            retrieve_ms=50,
            total_ms=60,
        ),
        # no answers, no evidence, not null: answered but not scored (latency still counts)
        Outcome(_q("f"), refused=False, answer="x", documents=["d1"], retrieve_ms=60, total_ms=70),
    ]


def test_scorecard_exact_numbers() -> None:
    card = score(_outcomes())

    assert (card.questions, card.answerable, card.null) == (6, 3, 2)
    assert card.recall == {
        1: pytest.approx(1 / 3),
        5: pytest.approx(2 / 3),
        10: pytest.approx(2 / 3),
    }
    assert card.mrr == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert card.containment == pytest.approx(1 / 3)
    assert card.citation_precision == pytest.approx(1 / 2)  # over the two answered answerables
    assert card.quote_precision == pytest.approx(1 / 2)
    assert card.null_refusal == pytest.approx(1 / 2)
    assert card.false_refusal == pytest.approx(1 / 3)
    assert card.retrieve_ms == {"p50": pytest.approx(35.0), "p95": pytest.approx(57.5)}
    assert card.total_ms["p50"] == pytest.approx(40.0)
    assert card.to_dict()["recall"]["@5"] == pytest.approx(2 / 3)


def test_empty_categories_are_none() -> None:
    card = score([Outcome(_q("f"), refused=False, answer="x", documents=[])])

    assert card.recall == {1: None, 5: None, 10: None}
    assert card.mrr is None and card.containment is None and card.null_refusal is None


def test_each_style_gets_its_own_scorecard() -> None:
    def outcome(style: str, *, right: bool, null: bool = False) -> Outcome:
        question = (
            _q(style, kind="null", style=style)
            if null
            else _q(style, answers=("Lee",), style=style)
        )
        return Outcome(question, refused=False, answer="Lee" if right else "Kim", documents=[])

    outcomes = [
        outcome("quiz", right=True),
        outcome("quiz", right=True),
        outcome("chat", right=True),
        outcome("chat", right=False),
        outcome("chat", right=False, null=True),
    ]

    styles = score_by_style(outcomes)

    assert list(styles) == ["chat", "quiz"]
    assert styles["quiz"].containment == 1.0
    assert styles["chat"].containment == 0.5
    assert (styles["chat"].null, styles["chat"].null_refusal) == (1, 0.0)
    assert score_by_style(outcomes[:2]) == {}  # one style: the set's own scorecard says it all


def test_refusal_frontier() -> None:
    outcomes = _outcomes()
    for outcome, relevance in zip(outcomes, [0.9, 0.5, 0.3, 0.2, 0.6, 0.1], strict=True):
        outcome.relevance = relevance

    frontier = refusal_frontier(outcomes, [0.25, 0.55, 0.95])

    assert frontier == [
        (0.25, 0.5, 0.0),
        (0.55, 0.5, pytest.approx(2 / 3)),
        (0.95, 1.0, 1.0),
    ]


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "x1", "question": "Who won?", "answers": ["Lee"], "evidence": ["doc-1"],'
        ' "type": "factoid", "meta": {"question_date": "2022-06-10", "style": "chat"}}\n'
        "\n"
        '{"question": "Unscored question?"}\n',
        encoding="utf-8",
    )

    first, second = load_questions(path)

    assert first == EvalQuestion(
        "x1", "Who won?", ("Lee",), ("doc-1",), "factoid", "2022-06-10", style="chat"
    )
    assert first.answerable and not first.is_null
    assert second.id == "line-3" and not second.answerable and not second.is_null


def test_bad_questions_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "fine?"}\n{"answers": []}\n', encoding="utf-8")

    with pytest.raises(QuestionsFileError, match=r"q\.jsonl:2"):
        load_questions(path)


def test_eval_command_writes_results_and_scorecard(
    seeded_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(app)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "honda",
                "question": "By which year does Honda target 100 percent electric sales?",
                "answers": ["2040"],
                "evidence": ["seed-nissan-honda-ev"],
                "type": "factoid",
                "meta": {"question_date": "2024-03-20", "style": "quiz"},
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "free",
                "question": "What might Nissan and Honda work on together?",
                "meta": {"style": "chat"},
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "follow-up",
                "question": "what are they planning together?",
                "history": ["Who is Nissan working with in Europe?"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CITEBOT_STORE", str(seeded_settings.store))
    monkeypatch.setenv("CITEBOT_COLLECTION", seeded_settings.collection)
    results, card_path = tmp_path / "out" / "results.jsonl", tmp_path / "card.json"

    run = CliRunner().invoke(
        app, ["eval", str(questions), "--out", str(results), "--json", str(card_path)]
    )

    assert run.exit_code == 0, run.output
    assert "document recall@1" in run.output
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["honda", "free", "follow-up"]
    # the conversation's first question was answered, as in a thread: "they" are who it named
    assert lines[2]["question"].startswith("what are they planning together? (renault ")
    assert lines[0]["as_of"] == "2024-03-20"
    assert "2040" in lines[0]["answer"] and lines[0]["citations"]
    assert "eval" not in lines[1]  # nothing to score it against
    card = json.loads(card_path.read_text())
    assert card["questions"] == 3 and card["answerable"] == 1
    assert card["recall"]["@1"] == 1.0 and card["containment"] == 1.0
    assert "By style" in run.output
    assert card["by_style"]["quiz"]["containment"] == 1.0
    assert card["by_style"]["chat"]["answerable"] == 0


def test_eval_command_reports_a_missing_file(tmp_path: Path) -> None:
    register(app)

    run = CliRunner().invoke(
        app, ["eval", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "r")]
    )

    assert run.exit_code != 0
    assert "Cannot read the questions file" in run.output


def test_eval_writes_the_scorecard_into_a_new_folder(
    seeded_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(app)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "h", "question": "What is Honda's 2040 target?", "answers": ["2040"]})
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CITEBOT_STORE", str(seeded_settings.store))
    monkeypatch.setenv("CITEBOT_COLLECTION", seeded_settings.collection)
    card_path = tmp_path / "cards" / "card.json"

    run = CliRunner().invoke(
        app,
        ["eval", str(questions), "--out", str(tmp_path / "r.jsonl"), "--json", str(card_path)],
    )

    assert run.exit_code == 0, run.output
    assert json.loads(card_path.read_text())["questions"] == 1


def test_eval_without_answers_just_answers(
    seeded_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(app)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "h", "question": "What is Honda's 2040 target?"}) + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CITEBOT_STORE", str(seeded_settings.store))
    monkeypatch.setenv("CITEBOT_COLLECTION", seeded_settings.collection)

    run = CliRunner().invoke(app, ["eval", str(questions), "--out", str(tmp_path / "r.jsonl")])

    assert run.exit_code == 0, run.output
    assert "document recall" not in run.output  # no empty scorecard of dashes
    assert "Answered 1 question" in run.output and "nothing to score" in run.output
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1


SEED_QUESTIONS = [
    ("By which year does Honda target 100 percent electric sales?", ["2040"]),
    ("Where will the electric Micra be manufactured?", ["northern France"]),
    ("Which company does Nissan already work with on EVs in Europe?", ["Renault"]),
    ("Who first disclosed the reports of the partnership?", ["TV Tokyo"]),
    ("How many people familiar with the matter did Reuters cite?", ["three"]),
    ("Which existing collaboration of Honda could be affected?", ["General Motors"]),
    ("What kind of cars might Nissan and Honda produce together?", ["kei car"]),
    ("How much will the partnership cost?", []),
]


def test_fit_writes_a_model_the_answerer_loads(
    seeded_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`citebot fit` reports each fold and writes a model file that loads as the shipped one."""
    from bot.answer.answerability import Model
    from bot.cli.fit_cmd import register as register_fit

    register_fit(app)
    rows = [
        {
            "id": f"s{i}",
            "question": q,
            "answers": a,
            "evidence": ["seed-nissan-honda-ev"] if a else [],
        }
        for i, (q, a) in enumerate(SEED_QUESTIONS)
    ]
    half = len(rows) // 2
    files = [tmp_path / "seed-a.jsonl", tmp_path / "seed-b.jsonl"]
    for path, part in zip(files, (rows[:half], rows[half:]), strict=True):
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    monkeypatch.setenv("CITEBOT_STORE", str(seeded_settings.store))
    monkeypatch.setenv("CITEBOT_COLLECTION", seeded_settings.collection)
    model_path = tmp_path / "model" / "answerability.json"

    run = CliRunner().invoke(app, ["fit", *map(str, files), "--out", str(model_path)])

    assert run.exit_code == 0, run.output
    assert "held-out average" in run.output and "fold 5" in run.output
    assert "seed-a.jsonl, its questions alone" in run.output  # each file's own held-out numbers
    model = Model.from_json(json.loads(model_path.read_text(encoding="utf-8")))
    assert model.meta["sources"] == ["seed-a.jsonl", "seed-b.jsonl"]
    assert set(model.meta["kfold_by_source"]) == {"seed-a.jsonl", "seed-b.jsonl"}
