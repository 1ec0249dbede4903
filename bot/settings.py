"""Settings for the read side: answering, the LLM and Discord (extends the ingest settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from ingest.index.settings import IngestSettings, blank_is_none, defaults, env


class Settings(IngestSettings):
    """Everything `citebot ask`, `eval` and `discord` need."""

    openai_model: str = Field("gpt-4o-mini", validation_alias=env("OPENAI_MODEL"))
    llm_timeout: float = Field(30.0, gt=0, validation_alias=env("CITEBOT_LLM_TIMEOUT"))
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias=env("CITEBOT_LLM_MAX_RETRIES"))
    llm_deadline: float = Field(60.0, gt=0, validation_alias=env("CITEBOT_LLM_DEADLINE"))
    llm_first_token_timeout: float = Field(
        20.0, gt=0, validation_alias=env("CITEBOT_LLM_FIRST_TOKEN_TIMEOUT")
    )

    top_k: int = Field(5, ge=1, le=20, validation_alias=env("CITEBOT_TOP_K"))
    # None: the fitted answerability model's own thresholds (bot/answer/data/answerability.json)
    min_relevance: float | None = Field(
        None, ge=-1, le=1, validation_alias=env("CITEBOT_MIN_RELEVANCE")
    )
    min_answerability: float | None = Field(
        None, ge=0, le=1, validation_alias=env("CITEBOT_MIN_ANSWERABILITY")
    )
    max_answer_sentences: int = Field(
        2, ge=1, le=6, validation_alias=env("CITEBOT_ANSWER_SENTENCES")
    )
    min_support: float = Field(0.0, ge=0, le=1, validation_alias=env("CITEBOT_MIN_SUPPORT"))
    retrieval: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", validation_alias=env("CITEBOT_RETRIEVAL")
    )
    retrieval_depth: int = Field(50, ge=5, le=1000, validation_alias=env("CITEBOT_RETRIEVAL_DEPTH"))
    rrf_k: int = Field(60, ge=1, le=1000, validation_alias=env("CITEBOT_RRF_K"))
    per_doc: int = Field(3, ge=0, le=20, validation_alias=env("CITEBOT_PER_DOC"))
    date_ranking: bool = Field(True, validation_alias=env("CITEBOT_DATE_RANKING"))
    recency_days: float = Field(14.0, gt=0, validation_alias=env("CITEBOT_RECENCY_DAYS"))

    discord_token: SecretStr | None = Field(None, validation_alias=env("DISCORD_TOKEN"))
    allowed_channels: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=env("CITEBOT_ALLOWED_CHANNELS")
    )
    rate_limit_per_minute: int = Field(5, ge=0, validation_alias=env("CITEBOT_RATE_LIMIT"))
    max_question_chars: int = Field(
        500, ge=10, le=4000, validation_alias=env("CITEBOT_MAX_QUESTION")
    )
    thread_mode: bool = Field(True, validation_alias=env("CITEBOT_THREADS"))
    followups: bool = Field(True, validation_alias=env("CITEBOT_FOLLOWUPS"))
    mentions: bool = Field(True, validation_alias=env("CITEBOT_MENTIONS"))
    use_embeds: bool = Field(True, validation_alias=env("CITEBOT_EMBEDS"))
    sharded: bool = Field(False, validation_alias=env("CITEBOT_SHARDED"))
    feedback_db: Path | None = Field(None, validation_alias=env("CITEBOT_FEEDBACK_DB"))
    forum_channels: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=env("CITEBOT_FORUM_CHANNELS")
    )
    stale_days: int = Field(30, ge=0, le=3650, validation_alias=env("CITEBOT_STALE_DAYS"))
    stale_check_seconds: float = Field(
        60.0, ge=5, validation_alias=env("CITEBOT_STALE_CHECK_SECONDS")
    )
    escalate_role: int | None = Field(None, validation_alias=env("CITEBOT_ESCALATE_ROLE"))

    _blank_settings_are_none = field_validator(
        "discord_token",
        "feedback_db",
        "min_relevance",
        "min_answerability",
        "escalate_role",
        mode="before",
    )(blank_is_none)

    @field_validator("allowed_channels", "forum_channels", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @property
    def llm_enabled(self) -> bool:
        """LLM mode is on when an API key is configured."""
        return self.openai_api_key is not None


DEFAULTS: dict[str, Any] = defaults(Settings)
