"""Every setting of leadstream, read once from environment variables at start.

Each field is read from ``LEADSTREAM_<FIELD>`` (e.g. ``LEADSTREAM_BATCH_SIZE=500``); a
``.env`` file in the working directory is read too. Build one :class:`Settings` at the
entry point and pass it in; nothing else reads the environment.

The fields are grouped by concern in the modules of this package (``connection``,
``scorer``, ``monitors``, ``control``, ``sink``, ``privacy``, ``alerting``, ``dashboard``);
:class:`Settings` is all of them, read with one prefix.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from streams.settings.alerting import AlertingSettings
from streams.settings.connection import ConnectionSettings
from streams.settings.control import ControlSettings
from streams.settings.dashboard import DashboardSettings
from streams.settings.monitors import MonitorSettings
from streams.settings.privacy import PrivacySettings
from streams.settings.scorer import ScorerSettings
from streams.settings.sink import SinkSettings

__all__ = ["alerting", "connection", "control", "dashboard", "monitors", "part", "privacy",
           "scorer", "sink"]


class Settings(DashboardSettings, AlertingSettings, PrivacySettings, SinkSettings,
               ControlSettings, MonitorSettings, ScorerSettings, ConnectionSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEADSTREAM_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        use_attribute_docstrings=True,
    )

    @field_validator("home", "spec_path", "monitor_guardrails_path", "control_allowlist_path",
                     "operator_key_path", "controller_key_path", "controller_public_key_path",
                     "alertmanager_config_path")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        """Relative paths mean the starting directory, also in child processes."""
        return None if path is None else path.expanduser().resolve()
