"""The base of every part of the settings: frozen, documented by attribute docstrings.

:class:`~streams.settings.Settings` composes the parts and adds the environment prefix
and the ``.env`` file; a part alone reads nothing.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsPart(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, use_attribute_docstrings=True)
