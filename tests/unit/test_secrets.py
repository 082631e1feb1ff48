"""``Secret`` never shows its value, and errors built from inputs never carry the password."""

from __future__ import annotations

import pytest

from py_release.config import load_config
from py_release.errors import InputError, InputErrors, ReleaseError
from py_release.secrets import Secret
from tests.secrets_registry import register_secret


def test_secret_shows_stars_everywhere() -> None:
    value = register_secret("pypi-secret-str-repr-value")
    secret = Secret(value)
    assert str(secret) == "***"
    assert repr(secret) == "Secret('***')"
    assert f"{secret}" == "***"
    assert f"{secret!r}" == "Secret('***')"
    assert "%s" % secret == "***"  # noqa: UP031 -- the old formatting path must hide it too
    assert value not in repr([secret, {"password": secret}])
    assert secret.reveal() == value


def test_secret_truthiness_and_equality() -> None:
    assert not Secret("")
    assert Secret("a")
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert len({Secret("a"), Secret("a")}) == 1


def test_config_repr_hides_the_password() -> None:
    value = register_secret("pypi-config-repr-password")
    config = load_config({"INPUT_PASSWORD": value})
    assert config.password is not None
    assert config.password.reveal() == value
    assert value not in repr(config)
    assert "Secret('***')" in repr(config)


def _bad_environ(password: str) -> dict[str, str]:
    return {
        "INPUT_PASSWORD": password,
        "INPUT_PASWORD": password,  # a typo'd copy: its value must not be quoted either
        "INPUT_USER": "__token__\n" + "x",
        "INPUT_VERBOSE": "maybe",
        "INPUT_MAX-FILE-SIZE": "lots",
        "INPUT_REPOSITORY-URL": "https://user:hunter2@example.com/",
        "INPUT_PACKAGES-DIR": "a\nb",
        "INPUT_DRY-RUN": "perhaps",
    }


def test_errors_built_from_config_never_contain_the_password() -> None:
    password = register_secret("pypi-AgEIcHlwaS5vcmcNeverInErrors")
    with pytest.raises(InputErrors) as caught:
        load_config(_bad_environ(password))
    error: ReleaseError = caught.value
    assert len(caught.value.errors) == 7
    for text in (error.message, error.hint, str(error), repr(error), repr(error.args)):
        assert password not in text
    for single in caught.value.errors:
        assert password not in single.message
        assert password not in single.hint
    # Credentials in a URL are not echoed either.
    assert "hunter2" not in error.message


def test_input_errors_message_lists_every_input() -> None:
    errors = [
        InputError("verbose", "'x' is not a boolean", "set verbose to true or false"),
        InputError("build", "'y' is not auto, true or false", "set build to auto"),
        InputError("max-file-size", "'z' is not a size", "give a size"),
    ]
    combined = InputErrors(errors)
    assert combined.message.splitlines() == [
        "3 inputs are invalid:",
        "  - input 'verbose': 'x' is not a boolean",
        "  - input 'build': 'y' is not auto, true or false",
        "  - input 'max-file-size': 'z' is not a size",
    ]
    assert combined.hint.splitlines() == [
        "fix each input:",
        "  - verbose: set verbose to true or false",
        "  - build: set build to auto",
        "  - max-file-size: give a size",
    ]
    assert combined.errors == errors
    assert isinstance(combined, ReleaseError)
