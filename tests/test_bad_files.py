"""Bad files never stop the batch: each is skipped with its reason, the rest is ingested."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import EXIT_SKIPPED, app
from ingest import loaders
from ingest.loaders import load_paths
from tests.conftest import write_article

runner = CliRunner()
GOOD_TEXT = "The harbour bridge reopened on Monday after two years of repairs costing 40 million."


def make_bad_folder(folder: Path) -> dict[str, str]:
    """Write one good article and every kind of bad file; return {file name: expected reason}."""
    write_article(folder, "good.md", GOOD_TEXT, id="good", title="Bridge reopens")
    (folder / "latin1.md").write_bytes("Caf\xe9 au lait co\xfbte 3 \x80.".encode("latin-1"))
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "empty.md").write_bytes(b"")
    (folder / "debris.md").write_text(
        "<!-- nothing here -->\n{{^adFree}}\nAdvertisement\n<div></div>\n\n  \n", encoding="utf-8"
    )
    (folder / "huge.txt").write_text("word " * 400_000, encoding="utf-8")  # 2 MB
    (folder / "bad_yaml.md").write_text(
        "---\ntitle: fine\nurl: [unclosed\n---\nBody text that is fine.\n", encoding="utf-8"
    )
    (folder / "unclosed.md").write_text("---\ntitle: never closed\nBody.\n", encoding="utf-8")
    (folder / "list_meta.md").write_text("---\n- a\n- b\n---\nBody.\n", encoding="utf-8")
    (folder / "no_text.html").write_text(
        "<html><head><script>x=1</script></head><body></body></html>", "utf-8"
    )
    rows = [
        {"id": "row-1", "title": "Row one", "text": "Council approved the budget of 12 million."},
        "{not json",
        ["not", "an", "object"],
        {"id": "row-4", "title": "No text field"},
        {
            "id": "row-5",
            "title": "Row five",
            "text": "Line separator\u2028inside a string is fine.",
        },
    ]
    (folder / "rows.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
        + "\n",
        encoding="utf-8",
    )
    (folder / "blank.jsonl").write_text("\n  \n\t\n", encoding="utf-8")
    (folder / "dangling.md").symlink_to(folder / "missing-target.md")
    (folder / "self_loop.md").symlink_to(folder / "self_loop.md")
    (folder / "sub").mkdir()
    write_article(folder / "sub", "nested.md", "Storm warnings were lifted on Friday evening.")
    (folder / "sub" / "loop").symlink_to(folder)  # a folder loop
    os.mkfifo(folder / "pipe.md")  # reading it would block forever
    return {
        "latin1.md": "not UTF-8",
        "binary.txt": "binary file",
        "empty.md": "empty file",
        "debris.md": "no text left after cleaning",
        "huge.txt": "larger than the 1 MB limit",
        "bad_yaml.md": "bad_yaml.md:3",
        "unclosed.md": "never closed",
        "list_meta.md": "not a mapping",
        "no_text.html": "no article text",
        "rows.jsonl:2": "invalid JSON",
        "rows.jsonl:3": "JSON object",
        "rows.jsonl:4": "JSON object",
        "blank.jsonl": "only blank lines",
        "dangling.md": "broken symbolic link",
        "self_loop.md": "broken symbolic link",
        "loop": "symlink loop",
        "pipe.md": "not a regular file",
    }


def test_cli_ingests_the_good_files_and_lists_every_skipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    expected = make_bad_folder(folder)
    monkeypatch.setenv("CITEBOT_MAX_FILE_MB", "1")

    result = runner.invoke(
        app, ["ingest", str(folder), "--json", "--store", str(tmp_path / "store")]
    )

    assert result.exit_code == EXIT_SKIPPED, result.output
    summary = json.loads(result.stdout)
    assert sorted(summary["added"]) == sorted(
        ["good", "row-1", "row-5", _default_id(folder / "sub" / "nested.md")]
    )
    reasons = {_short(s["where"], folder): s["reason"] for s in summary["skipped"]}
    for name, reason in expected.items():
        assert name in reasons, f"{name} not reported as skipped"
        assert reason in reasons[name], f"{name}: {reasons[name]!r}"
    assert len(reasons) == len(expected)


def test_human_summary_names_each_file_and_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "good.md", GOOD_TEXT, id="good", title="Bridge reopens")
    (folder / "latin1.md").write_bytes(b"caf\xe9")
    (folder / "rows.jsonl").write_text('{"text": "fine row"}\n{oops\n', encoding="utf-8")

    result = runner.invoke(app, ["ingest", str(folder), "--store", str(tmp_path / "store")])

    assert result.exit_code == EXIT_SKIPPED
    assert "1 added" in result.stdout or "2 added" in result.stdout
    assert f"{folder / 'latin1.md'}: not UTF-8" in result.stderr.replace("\n", "")
    assert f"{folder / 'rows.jsonl'}:2: invalid JSON" in result.stderr.replace("\n", "")
    assert "2 skipped" in result.stderr


def test_a_clean_batch_exits_zero(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "good.md", GOOD_TEXT, id="good", title="Bridge reopens")

    result = runner.invoke(app, ["ingest", str(folder), "--store", str(tmp_path / "store")])

    assert result.exit_code == 0, result.output


def test_file_vanishing_mid_run_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "articles"
    for name in ("a.md", "b.md", "c.md"):
        write_article(folder, name, f"{name} is about the census of 2021.")
    load_file = loaders._load_file

    def vanish_b(path: Path, *, max_bytes: int) -> Iterator[Any]:
        if path.name == "b.md":
            path.unlink()  # listed by the walk, gone before it is read
        return load_file(path, max_bytes=max_bytes)

    monkeypatch.setattr(loaders, "_load_file", vanish_b)

    result = load_paths([folder], max_bytes=10_000_000)

    assert [Path(d.path).name for d in result.documents] == ["a.md", "c.md"]
    assert [(Path(s.where).name, s.reason) for s in result.skipped] == [
        ("b.md", "file vanished while ingesting")
    ]


def test_file_growing_past_the_limit_after_stat_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    path = write_article(folder, "grows.md", "small at first")
    real_open = Path.open

    def open_grown(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path and args[:1] == ("rb",):
            with real_open(self, "a", encoding="utf-8") as handle:
                handle.write("x" * 5000)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_grown)

    result = load_paths([folder], max_bytes=1000)

    assert result.documents == []
    assert "larger than" in result.skipped[0].reason


def test_parser_crash_on_one_file_skips_only_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    folder = tmp_path / "articles"
    write_article(folder, "good.md", GOOD_TEXT)
    (folder / "weird.html").write_text("<html><body><p>text</p></body></html>", "utf-8")

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)

    result = load_paths([folder], max_bytes=10_000_000)

    assert [Path(d.path).name for d in result.documents] == ["good.md"]
    assert result.skipped[0].reason == "could not be parsed (RecursionError)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "good.md", GOOD_TEXT)
    locked = folder / "locked"
    locked.mkdir()
    write_article(locked, "secret.md", "hidden")
    locked.chmod(0)
    try:
        result = load_paths([folder], max_bytes=10_000_000)
    finally:
        locked.chmod(0o755)

    assert [Path(d.path).name for d in result.documents] == ["good.md"]
    assert "cannot read folder" in result.skipped[0].reason


def _short(where: str, folder: Path) -> str:
    name = where.removeprefix(str(folder) + os.sep)
    return name.rsplit(os.sep, 1)[-1]


def _default_id(path: Path) -> str:
    return loaders.default_id(path)
