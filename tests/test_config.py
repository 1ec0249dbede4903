"""Settings come from the environment and .env, with secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_defaults_are_offline_and_embedded(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.embeddings == "local"
    assert settings.openai_api_key is None and not settings.llm_enabled
    assert settings.chroma_host is None and not settings.uses_server
    assert settings.store == Path(".citebot/store")
    assert settings.collection == "citebot"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("OPENAI_MODEL", "llama3.1")
    monkeypatch.setenv("CITEBOT_STORE", "/data/index")
    monkeypatch.setenv("CITEBOT_COLLECTION", "news")
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("CHROMA_PORT", "9000")
    monkeypatch.setenv("CITEBOT_ALLOWED_CHANNELS", "123, 456")
    settings = Settings()
    assert settings.llm_enabled and settings.openai_model == "llama3.1"
    assert settings.openai_base_url == "http://localhost:11434/v1"
    assert settings.store == Path("/data/index") and settings.collection == "news"
    assert settings.uses_server and settings.chroma_port == 9000
    assert settings.allowed_channels == [123, 456]
    assert "sk-secret-value" not in repr(settings) and "sk-secret-value" not in str(settings)


def test_dotenv_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc.def.ghi\nCITEBOT_TOP_K=7\n")
    settings = Settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc.def.ghi"
    assert settings.top_k == 7


def test_blank_key_means_extractive_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "  ")
    assert not Settings().llm_enabled


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEBOT_EMBEDDINGS", "word2vec")
    with pytest.raises(ValidationError):
        Settings()


def test_env_example_documents_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        choices = getattr(alias, "choices", [])
        names.update(c for c in choices if isinstance(c, str) and c.isupper())
    missing = [n for n in sorted(names) if f"{n}=" not in example]
    assert not missing, f".env.example lacks {missing}"
