"""Runtime settings, read from the environment (prefix ``VIK_``).

    >>> settings = Settings(data_dir="/tmp/vik")
    >>> settings.resolved_database_url()
    'sqlite:////tmp/vik/vik.db'

The command line overrides these (``--db URL`` beats ``VIK_DATABASE_URL``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIK_", extra="ignore")

    # Where VIK keeps its own files: the SQLite database (embedded default),
    # run reports, quarantine files and exports.
    data_dir: Path = Path("var")
    # Public configuration: sources.yaml, departments.yaml, priority.yaml, rules/.
    config_dir: Path = Path("config")
    # SQLAlchemy URL; empty means SQLite in data_dir. postgresql://... works too.
    database_url: str | None = None
    # Secret for BSN pseudonyms: the key itself, or a file that holds it.
    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path | None = None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vik.db').resolve()}"
