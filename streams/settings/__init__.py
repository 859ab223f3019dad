"""Every setting of leadstream, read once from environment variables at start.

Each field is read from ``LEADSTREAM_<FIELD>`` (e.g. ``LEADSTREAM_BATCH_SIZE=500``); a
``.env`` file in the working directory is read too. Build one :class:`Settings` at the
entry point and pass it in; nothing else reads the environment.

The fields are grouped by the process that reads them, one part per module: the shared
``connection`` (Kafka, Redis, MLflow, local state), ``topics`` (names: one override map
from the registry; partitions, retention), ``shared`` (grades, event-time bounds, dead-letter
payloads, the ledger's lifetime, erased-lead hashes, the Alertmanager URL) and ``signing``
(the control plane's keys); the ``scorer``'s; the agents' (``agents``, ``monitors``,
``control``); the ``sink``'s; the ``dashboard``'s; the local ``stack``'s; and the
``operator`` commands' (training, waits). ``part`` is their base. :class:`Settings` is all
of them, read with one prefix; :data:`PROCESSES` says which parts each process reads
(``leadstream config --process scorer``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from streams.settings.agents import AgentSettings
from streams.settings.connection import ConnectionSettings
from streams.settings.control import ControlSettings
from streams.settings.dashboard import DashboardSettings
from streams.settings.monitors import MonitorSettings
from streams.settings.operator import OperatorSettings
from streams.settings.part import SettingsPart
from streams.settings.scorer import ScorerSettings
from streams.settings.shared import SharedSettings
from streams.settings.signing import SigningSettings
from streams.settings.sink import SinkSettings
from streams.settings.stack import StackSettings
from streams.settings.topics import TopicSettings

__all__ = ["agents", "connection", "control", "dashboard", "monitors", "operator", "part",
           "scorer", "shared", "signing", "sink", "stack", "topics"]

SHARED: tuple[type[SettingsPart], ...] = (ConnectionSettings, TopicSettings, SharedSettings)
"""The parts every process reads."""

PROCESSES: dict[str, tuple[type[SettingsPart], ...]] = {
    "scorer": (*SHARED, SigningSettings, ScorerSettings),
    "agents": (*SHARED, SigningSettings, AgentSettings, MonitorSettings, ControlSettings),
    "sink": (*SHARED, SinkSettings),
    "dashboard": (*SHARED, MonitorSettings, StackSettings, DashboardSettings),
    "stack": (*SHARED, SigningSettings, StackSettings, ScorerSettings, SinkSettings),
    "cli": (*SHARED, SigningSettings, OperatorSettings, ScorerSettings, MonitorSettings,
            ControlSettings),
}
"""Process → the parts it reads: what ``leadstream config --process`` shows. The ``stack``
reads the scorer's and the sink's identities (group, transactional id) for their ACLs;
``cli`` is the operator's commands (``train``, ``status``, ``lead``, ``forget``, ...)."""


class Settings(OperatorSettings, StackSettings, DashboardSettings, SinkSettings,
               ControlSettings, MonitorSettings, AgentSettings, ScorerSettings,
               SigningSettings, SharedSettings, TopicSettings, ConnectionSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEADSTREAM_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,  # a model-level error would print every value, secrets too
    )

    @field_validator("home", "spec_path", "monitor_guardrails_path", "control_allowlist_path",
                     "operator_key_path", "controller_key_path", "controller_public_key_path",
                     "alertmanager_config_path")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        """Relative paths mean the starting directory, also in child processes."""
        return None if path is None else path.expanduser().resolve()

    @model_validator(mode="after")
    def _exact_grades_exist(self) -> Settings:
        unknown = sorted(self.exact_grades - set(self.grade_scale.names))
        if unknown:
            raise ValueError(f"LEADSTREAM_REASONS_EXACT_GRADES names {', '.join(unknown)}, "
                             f"not a grade of LEADSTREAM_GRADES={self.grades!r}")
        return self


def process_fields(process: str) -> list[str]:
    """The settings one process reads, in :class:`Settings`' order."""
    wanted = {name for part in PROCESSES[process] for name in part.model_fields}
    return [name for name in Settings.model_fields if name in wanted]
