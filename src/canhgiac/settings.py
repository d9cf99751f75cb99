"""Typed settings from the environment (prefix CANHGIAC_) with safe defaults for one district PC."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder"})


class Settings(BaseSettings):
    """Every knob of the platform; read once per process."""

    model_config = SettingsConfigDict(env_prefix="CANHGIAC_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    language: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    host: str = "127.0.0.1"
    port: int = 8000
    # One log line per request costs the web process about as much as a short request; behind a
    # reverse proxy (docs/deploy.md) the proxy keeps the access log.
    access_log: bool = False

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "canhgiac@localhost"
    smtp_starttls: bool = False

    fetch_allow: list[str] = Field(default_factory=list)
    fetch_timeout_s: float = 15.0
    fetch_max_bytes: int = 5_000_000
    user_agent: str = "CanhGiac/0.1 (+https://github.com/canhgiac; district anti-fraud scanner)"

    session_max_age_s: int = 8 * 3600
    login_max_failures: int = 5
    login_lockout_s: int = 15 * 60
    secure_cookies: bool = False
    hsts: bool = False

    district_name: str = "huyện Bảo Lạc"
    district_place: str = "Bảo Lạc"
    issuer_superior: str = "UBND HUYỆN BẢO LẠC"
    issuer_name: str = "PHÒNG VĂN HÓA VÀ THÔNG TIN"
    issuer_symbol: str = "VHTT"
    signer_authority: str = "KT. TRƯỞNG PHÒNG"
    signer_title: str = "PHÓ TRƯỞNG PHÒNG"
    signer_name: str = ""

    contact_retention_days: int = 365
    triage_scam_threshold: float = 0.6
    triage_spam_threshold: float = 0.7
    in_process_worker: bool = True

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.env == "production" and self.secret_key.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "CANHGIAC_SECRET_KEY is missing or a placeholder; production mode refuses to start"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'canhgiac.sqlite3').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    def ensure_data_dir(self) -> None:
        """Create the data directory tree."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.evidence_dir.mkdir(parents=True, exist_ok=True)

    def effective_secret_key(self) -> str:
        """The secret key; generated once into the data directory when none is configured."""
        if self.secret_key and self.secret_key.strip().lower() not in PLACEHOLDER_SECRETS:
            return self.secret_key
        self.ensure_data_dir()
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
