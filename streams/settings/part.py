"""The base of every group of settings: frozen, documented by attribute docstrings.

:class:`~streams.settings.Settings` composes the groups and adds the environment prefix
and the ``.env`` file; a group alone reads nothing.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsPart(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, use_attribute_docstrings=True)
