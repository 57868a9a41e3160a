"""The environment is read in one place: names, defaults, empty values and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.errors import InputError
from openimr.settings import DEFAULT_REQUEST_THREADS, Settings


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "OPENIMR_HOME",
        "OPENIMR_DATABASE_URL",
        "OPENIMR_REQUEST_THREADS",
        "OPENIMR_WEB_SECRET",
        "OPENIMR_ORGANIZATION",
        "OPENIMR_DEBUG",
        "OPENIMR_API_DOCS",
        "XDG_DATA_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean: pytest.MonkeyPatch) -> None:
    settings = Settings.load()
    assert settings.request_threads == DEFAULT_REQUEST_THREADS
    assert settings.database_url is None and settings.web_secret is None
    assert settings.data_home() == Path.home() / ".local" / "share" / "openimr"
    assert settings.debug is False
    assert settings.api_docs is False


def test_variables_are_read_when_asked_for(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings.load().data_home() == tmp_path / "xdg" / "openimr"
    clean.setenv("OPENIMR_HOME", str(tmp_path / "home"))
    clean.setenv("OPENIMR_REQUEST_THREADS", " 3 ")
    clean.setenv("OPENIMR_WEB_SECRET", "s" * 40)
    clean.setenv("OPENIMR_DEBUG", "1")
    settings = Settings.load()
    assert settings.data_home() == tmp_path / "home"
    assert settings.request_threads == 3
    assert settings.web_secret is not None and settings.web_secret.get_secret_value() == "s" * 40
    assert "s" * 40 not in repr(settings)
    assert settings.debug is True


def test_an_empty_variable_counts_as_unset(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("OPENIMR_HOME", "")
    clean.setenv("OPENIMR_REQUEST_THREADS", "")
    clean.setenv("OPENIMR_DEBUG", "")
    settings = Settings.load()
    assert settings.home is None and settings.debug is False
    assert settings.request_threads == DEFAULT_REQUEST_THREADS


@pytest.mark.parametrize("value", ["0", "many", "-3", "2.5"])
def test_a_bad_value_names_the_variable(clean: pytest.MonkeyPatch, value: str) -> None:
    clean.setenv("OPENIMR_REQUEST_THREADS", value)
    with pytest.raises(InputError, match="OPENIMR_REQUEST_THREADS"):
        Settings.load()


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("false", False)])
def test_interactive_api_docs_are_asked_for_by_yes_or_no(
    clean: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    clean.setenv("OPENIMR_API_DOCS", value)
    assert Settings.load().api_docs is expected
    clean.setenv("OPENIMR_API_DOCS", "perhaps")
    with pytest.raises(InputError, match="OPENIMR_API_DOCS"):
        Settings.load()
