"""Small talk ("hi", "thanks!", "what can you do?", "what's new?") gets a reply, not a search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answer.conversation import Conversations
from bot.answer.small_talk import Act, act_of
from bot.app import build_citebot
from bot.cli.main import app
from bot.settings import Settings
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("message", "act"),
    [
        ("hi", Act.GREETING),
        ("Hey there!", Act.GREETING),
        ("good morning citebot", Act.GREETING),
        ("thanks!", Act.THANKS),
        ("thank you so much guys", Act.THANKS),
        ("ok thanks", Act.THANKS),  # the strongest act counts
        ("ok lol", Act.ACK),
        ("that's wild", Act.ACK),
        ("👍", Act.ACK),
        ("bye!", Act.FAREWELL),
        ("what can you do?", Act.HELP),
        ("hey citebot, what can you do?", Act.HELP),
        ("What is new this week?", Act.NEWS),  # the example the empty mention suggests
        ("what's new?", Act.NEWS),
        ("any news today?", Act.NEWS),
        ("how many articles do you have?", Act.NEWS),  # the answer counts them
        ("good news!", Act.ACK),
        ("no more, thanks", Act.ACK),  # not "tell me more"
        ("tell me more", Act.MORE),  # said to people in the thread, not "what's new?"
        ("great sources, thanks", Act.THANKS),
        ("are you sure?", Act.DOUBT),  # not searched for "sure"
        ("that's wrong", Act.DOUBT),
        ("is that all?", Act.MORE),
        ("source?", Act.SOURCES),
        ("where did you get that?", Act.SOURCES),
    ],
)
def test_small_talk_is_recognised(message: str, act: Act) -> None:
    assert act_of(message) is act


@pytest.mark.parametrize(
    "message",
    [
        "why?",
        "By when?",
        "And fuel cells?",
        "thanks, and where will it be built?",
        "what's new with honda?",
        "what happened to the Micra?",
        "what do you know about Nissan",
        "what is the source of the report?",
        "true?",  # does the last answer hold: a follow-up
        "the answer is wrong about honda",
        "right?",
        "ok so what about honda",
        "hola",
        "привет",
        "新しい電動マイクラはどこで作られますか？",
    ],
)
def test_questions_and_other_languages_are_not_small_talk(message: str) -> None:
    assert act_of(message) is None


def test_no_evaluation_question_is_small_talk() -> None:
    asked = []
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            asked.append(item["question"])
            asked += item.get("history", [])
    assert len(asked) > 1000
    assert [q for q in asked if act_of(q) is not None] == []


def test_greetings_and_thanks_are_answered_without_quoting_the_articles(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer

    hello = answerer.answer("hi!")
    thanks = answerer.answer("thanks a lot")
    helped = answerer.answer("what can you do?")

    assert not hello.refused and not hello.citations and hello.small_talk == "greeting"
    assert "the 1 indexed article" in hello.text and "What's new?" in hello.text
    assert thanks.text == "You're welcome!" and not thanks.citations
    assert "citations" in helped.text and "the 1 indexed article" in helped.text
    assert hello.retrieved == []  # nothing was searched


def test_whats_new_lists_the_newest_articles_with_their_opening_lines(
    seeded_settings: Settings,
) -> None:
    answer = build_citebot(seeded_settings).answerer.answer("what's new?")

    assert not answer.refused and answer.small_talk == "news"
    assert answer.text.startswith("The newest of the 1 indexed article: [1].")
    (citation,) = answer.citations
    assert citation.doc_id == "seed-nissan-honda-ev"
    assert citation.quote == (
        "Nissan and Honda may partner to reduce EV production costs and improve scalability."
    )


def test_a_follow_up_that_is_small_talk_is_not_rewritten(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer
    history = [("What is Honda's 2040 target?", "Honda targets 100 percent electric sales [1].")]

    assert answerer.standalone("thanks!", history) == "thanks!"
    assert answerer.standalone("source?", history) == "source?"
    assert answerer.standalone("are you sure?", history) == "are you sure?"
    doubt = answerer.answer("are you sure?")
    assert doubt.text.startswith("I only say what the articles say") and not doubt.citations


@pytest.mark.parametrize("follow_up", ["what happened?", "how does this work?", "what's new?"])
def test_a_follow_up_that_reads_as_news_or_help_asks_about_the_conversation(
    seeded_settings: Settings, follow_up: str
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    history = [("Where will the new electric Micra be built?", "In northern France [1].")]

    asked = answerer.standalone(follow_up, history)

    assert asked.startswith(follow_up) and "micra" in asked.lower()
    assert act_of(asked) is None  # searched, with the Micra story's words


def test_cli_replies_to_small_talk_in_text_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0

    said = runner.invoke(app, ["ask", "thanks!"])
    data = json.loads(runner.invoke(app, ["ask", "--json", "hello"]).stdout)

    assert said.exit_code == 0 and said.stdout.strip() == "You're welcome!"
    assert "Sources" not in said.stdout
    assert data["small_talk"] == "greeting" and data["refused"] is False
    assert data["citations"] == [] and data["retrieved"] == []


def test_a_command_that_embeds_nothing_exits_cleanly_while_the_model_loads(
    seeded_store: Path,
) -> None:
    # "thanks!" needs no embedding, so the process ends while onnxruntime may still be loading
    # the model in the background; exiting mid-load used to abort it (exit code 134).
    env = {**os.environ, "CITEBOT_STORE": str(seeded_store), "CITEBOT_COLLECTION": "seeds"}
    command = [sys.executable, "-c", "from bot.cli.main import main; main()", "ask", "thanks!"]

    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "You're welcome!"


def test_small_talk_is_no_turn_of_the_conversation(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer
    conversation = Conversations()

    conversation.add(1, "what's new?", answerer.answer("what's new?"))  # it cites the newest

    assert conversation.history(1) == [] and conversation.reading(1) is None
