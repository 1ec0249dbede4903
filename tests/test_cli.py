"""The citebot command through typer's CliRunner: output, --json and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import SEEDS

runner = CliRunner()


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "store"
    monkeypatch.setenv("CITEBOT_STORE", str(store))
    return store


def test_ingest_then_ask_prints_answer_and_sources(store_env: Path) -> None:
    ingested = runner.invoke(app, ["ingest", str(SEEDS)])
    assert ingested.exit_code == 0, ingested.output
    assert "1 added" in ingested.stdout

    asked = runner.invoke(app, ["ask", "What is Honda's 2040 target?"])
    assert asked.exit_code == 0, asked.output
    assert "100 percent electric and fuel cell vehicle sales by 2040 [1]" in asked.stdout
    assert "Sources" in asked.stdout and "[1] Nissan and Honda" in asked.stdout


def test_ask_json_has_the_documented_schema(store_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    result = runner.invoke(
        app, ["ask", "--json", "--as-of", "2024-03-20", "What is Honda's 2040 target?"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # exactly one JSON object
    assert {"question", "answer", "refused", "mode", "citations", "retrieved", "timings_ms"} <= set(
        data
    )
    assert data["refused"] is False and data["mode"] == "extractive"
    assert data["as_of"] == "2024-03-20"
    (citation,) = data["citations"]
    assert {"n", "doc_id", "title", "url", "published_date", "quote"} <= set(citation)
    assert citation["doc_id"] == "seed-nissan-honda-ev"
    assert all({"doc_id", "chunk_id", "score"} <= set(r) for r in data["retrieved"])
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}


def test_ingest_json_summary_and_second_run_is_unchanged(store_env: Path) -> None:
    first = json.loads(runner.invoke(app, ["ingest", "--json", str(SEEDS)]).stdout)
    assert first["counts"]["added"] == 1 and first["chunks_written"] >= 1
    second = json.loads(runner.invoke(app, ["ingest", "--json", str(SEEDS)]).stdout)
    assert second["counts"] == {
        "added": 0,
        "updated": 0,
        "upgraded": 0,
        "unchanged": 1,
        "removed": 0,
        "skipped": 0,
    }
    assert second["chunks_written"] == 0


def test_dry_run_lists_changes_and_writes_nothing(store_env: Path) -> None:
    result = runner.invoke(app, ["ingest", "--dry-run", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "would add seed-nissan-honda-ev" in result.stdout
    assert not store_env.exists()


def test_missing_path_is_a_clear_error(store_env: Path) -> None:
    result = runner.invoke(app, ["ingest", "no/such/folder"])
    assert result.exit_code == 2
    assert "no such file or folder: no/such/folder" in result.stderr
    assert "Traceback" not in result.output


def test_empty_folder_is_a_clear_error(store_env: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["ingest", "--json", str(empty)])
    assert result.exit_code == 2
    assert "found no .md, .txt, .html, .jsonl, .pdf or .docx files" in result.stderr
    assert result.stdout == ""  # no summary before the error
    assert not store_env.exists()  # and no empty store left behind


def test_binary_and_non_utf8_files_are_skipped_and_the_rest_ingested(
    store_env: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(SEEDS, folder)
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (folder / "latin1.md").write_bytes("Caf\xe9 cr\xe8me article.".encode("latin-1"))

    result = runner.invoke(app, ["ingest", str(folder)])

    assert result.exit_code == 3  # something was skipped
    assert "1 added" in result.stdout
    assert "image.txt: binary file" in result.stderr
    assert "latin1.md: not UTF-8 text" in result.stderr
    asked = runner.invoke(app, ["ask", "What is Honda's 2040 target?"])
    assert asked.exit_code == 0 and "2040 [1]" in asked.stdout


def test_asking_before_ingesting_says_what_to_do(store_env: Path) -> None:
    result = runner.invoke(app, ["ask", "What is Honda's 2040 target?"])
    assert result.exit_code == 2
    assert "Nothing has been ingested" in result.stderr
    assert "citebot ingest" in result.stderr
    assert "Traceback" not in result.output


def test_bad_as_of_date_is_rejected(store_env: Path) -> None:
    result = runner.invoke(app, ["ask", "--as-of", "last tuesday", "Anything?"])
    assert result.exit_code == 2 and "--as-of must be a date" in result.stderr


def test_status_reports_the_index(store_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    data = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert data["documents"] == 1 and data["mode"] == "extractive"
    assert data["embedding_model"] == "all-MiniLM-L6-v2-onnx-int8"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "status"):
        assert command in result.stdout


def test_ask_shows_the_file_of_a_source_without_url(store_env: Path, seeds_copy: Path) -> None:
    runner.invoke(app, ["ingest", str(seeds_copy)])

    asked = runner.invoke(app, ["ask", "What is Honda's 2040 target?"])

    assert asked.exit_code == 0, asked.output
    seed_file = next(seeds_copy.glob("*.md"))
    assert seed_file.name in asked.stdout  # issue 2: sources show title, date, url/path, quote


def test_footnoted_article_answers_with_clean_sentences(store_env: Path, tmp_path: Path) -> None:
    from tests.conftest import write_article

    folder = tmp_path / "wiki"
    write_article(
        folder,
        "tower.md",
        "Tokyo Tower is a communications and observation tower in the Minato district of "
        "Tokyo.[1] At 333 metres, it is the second-tallest structure in Japan.[2] The tower "
        "was completed in 1958.[3]",
        id="tower",
        title="Tokyo Tower",
    )
    for n, city in enumerate(["Osaka", "Kyoto", "Nagoya"]):
        text = f"The {city} bridge is 50 metres long and was built in 19{n}{n}."
        write_article(folder, f"{city}.md", text, id=city, title=f"{city} bridge")
    runner.invoke(app, ["ingest", str(folder)])

    asked = runner.invoke(app, ["ask", "--json", "When was Tokyo Tower completed?"])

    answer = json.loads(asked.stdout)
    assert answer["answer"].startswith("The tower was completed in 1958 [1].")
    assert ".." not in answer["answer"] and "333" not in answer["answer"]  # one sentence each
    assert "[3]" not in answer["citations"][0]["quote"]


def test_interrupting_ask_does_not_talk_about_documents(
    store_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bot.app, "build_citebot", interrupted)

    result = runner.invoke(app, ["ask", "What is Honda's 2040 target?"])

    assert result.exit_code == 130
    assert "Interrupted" in result.output and "document" not in result.output


def test_refusal_says_how_much_was_searched(store_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    result = runner.invoke(app, ["ask", "Who won the 2018 FIFA World Cup?"])
    assert result.exit_code == 0
    assert "I couldn't find that in the 1 indexed article." in result.stdout


def test_an_on_topic_refusal_prints_the_closest_article(store_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])

    result = runner.invoke(app, ["ask", "How much will the Nissan-Honda partnership cost?"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "I couldn't find that in the 1 indexed article."
    assert lines[1].startswith("The closest article: Nissan and Honda may partner on EV")
    assert lines[2].strip().endswith("seeds/000_1892bcad98d92338.md")  # where to read it
