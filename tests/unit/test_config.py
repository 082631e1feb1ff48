"""Inputs and flags -> ``Config``: a table of bad inputs, what is accepted, defaults, aliases."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest

from py_release.config import Config, closest_input, env_key, field_name, load_config
from py_release.errors import InputError, InputErrors
from py_release.inputs import INPUTS, INPUTS_BY_NAME
from py_release.secrets import Secret
from tests.secrets_registry import register_secret

BOOL_INPUTS = [spec.name for spec in INPUTS if spec.kind == "bool"]
AUTO_BOOL_INPUTS = [spec.name for spec in INPUTS if spec.kind == "auto-bool"]


@dataclass(frozen=True)
class Bad:
    """One bad input: the environment (and flags) and the input the error must name."""

    names: str
    environ: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, str | None] = field(default_factory=dict)
    # Text the message must also hold (the closest input for a typo, the offending value).
    says: str = ""


BAD_INPUTS: list[tuple[str, Bad]] = [
    # Every boolean input with garbage: only true/false/yes/no/1/0 are booleans.
    (
        "verify-metadata-maybe",
        Bad("verify-metadata", {"INPUT_VERIFY-METADATA": "maybe"}, says="maybe"),
    ),
    ("concurrency-superscript", Bad("concurrency", {"INPUT_CONCURRENCY": "\u00b2"})),
    ("concurrency-arabic-digit", Bad("concurrency", {"INPUT_CONCURRENCY": "\u0663"})),
    ("max-file-size-arabic-digit", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "\u0663MiB"})),
    (
        "allow-untrusted-events-maybe",
        Bad("allow-untrusted-events", {"INPUT_ALLOW-UNTRUSTED-EVENTS": "maybe"}),
    ),
    (
        "http-to-a-remote-index",
        Bad(
            "repository-url",
            {"INPUT_REPOSITORY-URL": "http://pypi.example.com/legacy/"},
            says="plain http to pypi.example.com",
        ),
    ),
    (
        "http-to-a-remote-repository",
        Bad("repository", {"INPUT_REPOSITORY": "http://10.0.0.5/legacy/"}, says="unencrypted"),
    ),
    ("skip-existing-ture", Bad("skip-existing", {"INPUT_SKIP-EXISTING": "ture"}, says="ture")),
    ("verbose-2", Bad("verbose", {"INPUT_VERBOSE": "2"}, says="'2'")),
    ("print-hash-on", Bad("print-hash", {"INPUT_PRINT-HASH": "on"}, says="'on'")),
    ("attestations-off", Bad("attestations", {"INPUT_ATTESTATIONS": "off"}, says="'off'")),
    ("verify-upload-y", Bad("verify-upload", {"INPUT_VERIFY-UPLOAD": "y"}, says="'y'")),
    ("skip-existing-two-words", Bad("skip-existing", {"INPUT_SKIP-EXISTING": "true false"})),
    ("alias-skip_existing-garbage", Bad("skip-existing", {"INPUT_SKIP_EXISTING": "yess"})),
    # Auto-booleans: auto/true/false (and the boolean spellings), nothing else.
    ("dry-run-maybe", Bad("dry-run", {"INPUT_DRY-RUN": "maybe"}, says="maybe")),
    ("dry-run-automatic", Bad("dry-run", {"INPUT_DRY-RUN": "automatic"})),
    ("build-sometimes", Bad("build", {"INPUT_BUILD": "sometimes"})),
    ("check-tag-2", Bad("check-tag", {"INPUT_CHECK-TAG": "2"})),
    # Sizes.
    ("max-file-size-abc", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "abc"}, says="abc")),
    ("max-file-size-0", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "0"})),
    ("max-file-size-negative", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "-5"})),
    ("max-file-size-parsecs", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "5 parsecs"})),
    ("max-file-size-over-cap", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "2GiB"}, says="1 GiB")),
    ("max-file-size-half-byte", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "0.5"})),
    ("max-file-size-two-dots", Bad("max-file-size", {"INPUT_MAX-FILE-SIZE": "1.5.2MB"})),
    # Repository URL.
    ("repository-url-not-a-url", Bad("repository-url", {"INPUT_REPOSITORY-URL": "not a url"})),
    (
        "repository-url-no-scheme",
        Bad("repository-url", {"INPUT_REPOSITORY-URL": "upload.pypi.org/legacy/"}),
    ),
    (
        "repository-url-ftp",
        Bad("repository-url", {"INPUT_REPOSITORY-URL": "ftp://files.example.com/"}),
    ),
    ("repository-url-file", Bad("repository-url", {"INPUT_REPOSITORY-URL": "file:///srv/index/"})),
    (
        "repository-url-credentials",
        Bad(
            "repository-url",
            {"INPUT_REPOSITORY-URL": "https://me:hunter2@example.com/legacy/"},
            says="credentials",
        ),
    ),
    (
        "repository-url-empty-host",
        Bad("repository-url", {"INPUT_REPOSITORY-URL": "https:///legacy/"}),
    ),
    (
        "alias-repository_url-ftp",
        Bad("repository-url", {"INPUT_REPOSITORY_URL": "ftp://x.example/"}),
    ),
    # Text and paths on one line only.
    (
        "packages-dir-multi-line",
        Bad("packages-dir", {"INPUT_PACKAGES-DIR": "dist\nother"}, says="more than one line"),
    ),
    ("project-dir-multi-line", Bad("project-dir", {"INPUT_PROJECT-DIR": "a\r\nb"})),
    ("user-multi-line", Bad("user", {"INPUT_USER": "__token__\nsomeone"})),
    ("python-multi-line", Bad("python", {"INPUT_PYTHON": "python3\npython3.12"})),
    # Typos of input names: an error naming the closest input.
    (
        "typo-skip-exisitng",
        Bad("skip-existing", {"INPUT_SKIP-EXISITNG": "true"}, says="INPUT_SKIP-EXISITNG"),
    ),
    ("typo-pasword", Bad("password", {"INPUT_PASWORD": "pypi-typo"}, says="INPUT_PASWORD")),
    (
        "typo-repository-urll",
        Bad("repository-url", {"INPUT_REPOSITORY-URLL": "https://x.example/"}),
    ),
    ("typo-package-dir", Bad("packages-dir", {"INPUT_PACKAGE-DIR": "dist"})),
    ("typo-dryrun", Bad("dry-run", {"INPUT_DRYRUN": "true"})),
    ("typo-check_tags", Bad("check-tag", {"INPUT_CHECK_TAGS": "true"})),
    ("typo-attestation", Bad("attestations", {"INPUT_ATTESTATION": "false"})),
    # Flags go through the same validation.
    ("flag-skip-existing-maybe", Bad("skip-existing", flags={"skip-existing": "maybe"})),
    ("flag-max-file-size-huge", Bad("max-file-size", flags={"max-file-size": "huge"})),
    (
        "flag-repository-url-ftp",
        Bad("repository-url", flags={"repository-url": "ftp://x.example/"}),
    ),
    ("flag-beats-good-env", Bad("dry-run", {"INPUT_DRY-RUN": "true"}, {"dry-run": "perhaps"})),
]


def test_the_table_is_big_enough() -> None:
    assert len(BAD_INPUTS) >= 25
    assert len({case_id for case_id, _ in BAD_INPUTS}) == len(BAD_INPUTS)


@pytest.mark.parametrize("bad", [case for _, case in BAD_INPUTS], ids=[i for i, _ in BAD_INPUTS])
def test_bad_input_is_an_error_naming_it_with_a_hint(bad: Bad) -> None:
    with pytest.raises(InputError) as caught:
        load_config(bad.environ, bad.flags)
    error = caught.value
    assert f"'{bad.names}'" in error.message
    assert error.hint.strip()
    assert bad.says in error.message
    # A typo names the variable it read and the input it probably meant.
    if error.input_name != bad.names:
        assert closest_input(error.input_name) == bad.names
        assert f"did you mean '{bad.names}'" in error.message
        assert bad.names in error.hint


def test_several_bad_inputs_are_reported_together() -> None:
    environ = {
        "INPUT_VERBOSE": "maybe",
        "INPUT_MAX-FILE-SIZE": "5 parsecs",
        "INPUT_REPOSITORY-URL": "ftp://x.example/",
        "INPUT_SKIP-EXISITNG": "true",
    }
    with pytest.raises(InputErrors) as caught:
        load_config(environ)
    error = caught.value
    assert {e.input_name for e in error.errors} == {
        "verbose",
        "max-file-size",
        "repository-url",
        "skip-exisitng",
    }
    assert error.message.startswith("4 inputs are invalid:")
    for name in ("'verbose'", "'max-file-size'", "'repository-url'", "'skip-existing'"):
        assert name in error.message
    for e in error.errors:
        assert e.hint in error.hint


@pytest.mark.parametrize("name", BOOL_INPUTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" Yes ", True),
        ("1", True),
        ("\ttrue\n", True),
        ("false", False),
        ("False", False),
        ("NO", False),
        (" 0 ", False),
    ],
    ids=["true", "TRUE", "Yes-spaces", "1", "tab-newline", "false", "False", "NO", "0-spaces"],
)
def test_booleans_accept_every_spelling(name: str, raw: str, expected: bool) -> None:
    config = load_config({env_key(name): raw})
    assert getattr(config, name.replace("-", "_")) is expected


@pytest.mark.parametrize("name", AUTO_BOOL_INPUTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("auto", "auto"), (" AUTO ", "auto"), ("yes", "true"), ("True", "true"), ("0", "false")],
    ids=["auto", "AUTO", "yes", "True", "0"],
)
def test_auto_booleans(name: str, raw: str, expected: str) -> None:
    config = load_config({env_key(name): raw})
    assert getattr(config, name.replace("-", "_")) == expected


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("100MiB", 100 * 1024**2),
        ("1GiB", 1024**3),
        ("1 kb", 1000),
        ("1048576", 1024**2),
        ("1.5MiB", 1024**2 * 3 // 2),
        (" 200 mb ", 200 * 1000**2),
        ("1", 1),
    ],
    ids=["MiB", "cap-itself", "kb-space", "bytes", "fraction", "spaces", "one-byte"],
)
def test_sizes(raw: str, size: int) -> None:
    assert load_config({"INPUT_MAX-FILE-SIZE": raw}).max_file_size == size


def test_defaults_are_those_of_gh_action_pypi_publish() -> None:
    config = load_config({})
    assert config.user == "__token__"
    assert config.password is None
    assert config.repository_url == "https://upload.pypi.org/legacy/"
    assert config.packages_dir == Path("dist")
    assert config.verify_metadata == "true"
    assert config.skip_existing is False
    assert config.verbose is True
    assert config.print_hash is True
    assert config.attestations is True
    # Ours.
    assert config.dry_run == "auto"
    assert config.build == "auto"
    assert config.check_tag == "auto"
    assert config.project_dir == Path()
    assert config.max_file_size == 100 * 1024**2
    assert config.verify_upload is True
    assert config.python is None
    assert config.warnings == ()
    assert config == Config()


def test_the_input_table_defaults_parse_to_the_config_defaults() -> None:
    """The table (action.yml, CLI help) and the dataclass must not disagree on a default."""
    environ = {env_key(spec.name): spec.default for spec in INPUTS}
    assert load_config(environ) == Config()


@pytest.mark.parametrize(
    "name", [spec.name for spec in INPUTS if spec.kind not in ("secret",) and spec.default]
)
def test_an_empty_or_blank_input_means_its_default(name: str) -> None:
    """GitHub passes an unset input as '' through the composite action's env: mapping."""
    assert load_config({env_key(name): ""}) == Config()
    assert load_config({env_key(name): "  "}) == Config()


def test_empty_user_means_token_user() -> None:
    assert load_config({"INPUT_USER": ""}).user == "__token__"
    assert load_config({}, {"user": ""}).user == "__token__"


def test_values_are_parsed() -> None:
    password = register_secret("pypi-config-values-password")
    config = load_config(
        {
            "INPUT_USER": " alice ",
            "INPUT_PASSWORD": password,
            "INPUT_REPOSITORY-URL": " http://127.0.0.1:8080/ ",
            "INPUT_PACKAGES-DIR": "out/dists",
            "INPUT_PROJECT-DIR": "project",
            "INPUT_PYTHON": "python3.12",
        }
    )
    assert config.user == "alice"
    assert config.password == Secret(password)
    assert config.repository_url == "http://127.0.0.1:8080/"
    assert config.packages_dir == Path("out/dists")
    assert config.project_dir == Path("project")
    assert config.python == "python3.12"


def test_blank_password_is_no_password() -> None:
    assert load_config({"INPUT_PASSWORD": "  "}).password is None


@pytest.mark.parametrize(
    ("environ", "flags", "expected"),
    [
        ({"INPUT_SKIP-EXISTING": "false"}, {"skip-existing": "true"}, True),
        ({"INPUT_SKIP-EXISTING": "true"}, {"skip-existing": "no"}, False),
        ({"INPUT_SKIP_EXISTING": "true"}, {"skip-existing": "false"}, False),
        ({"INPUT_SKIP-EXISTING": "true"}, {"skip-existing": None}, True),
        ({}, {"skip-existing": "1"}, True),
    ],
    ids=["flag-true-over-env", "flag-false-over-env", "flag-over-alias", "no-flag", "flag-only"],
)
def test_flags_win_over_the_environment(
    environ: dict[str, str], flags: dict[str, str | None], expected: bool
) -> None:
    assert load_config(environ, flags).skip_existing is expected


def test_flag_wins_for_text_inputs() -> None:
    config = load_config(
        {"INPUT_REPOSITORY-URL": "https://env.example/legacy/"},
        {"repository-url": "https://flag.example/legacy/"},
    )
    assert config.repository_url == "https://flag.example/legacy/"


@pytest.mark.parametrize(
    ("alias", "value", "attribute", "expected"),
    [
        ("skip_existing", "true", "skip_existing", True),
        ("verify_metadata", "false", "verify_metadata", "false"),
        ("print_hash", "no", "print_hash", False),
        ("packages_dir", "wheelhouse", "packages_dir", Path("wheelhouse")),
        (
            "repository_url",
            "https://test.pypi.org/legacy/",
            "repository_url",
            "https://test.pypi.org/legacy/",
        ),
    ],
    ids=["skip_existing", "verify_metadata", "print_hash", "packages_dir", "repository_url"],
)
def test_deprecated_aliases_work_with_a_warning(
    alias: str, value: str, attribute: str, expected: object
) -> None:
    name = INPUTS_BY_NAME[alias.replace("_", "-")].name
    # The composite action always sets the new name too, to its default.
    environ = {env_key(alias): value, env_key(name): INPUTS_BY_NAME[name].default}
    config = load_config(environ)
    assert getattr(config, attribute) == expected
    assert len(config.warnings) == 1
    assert f"'{alias}' is deprecated" in config.warnings[0]
    assert f"'{name}'" in config.warnings[0]


def test_an_empty_alias_is_silent() -> None:
    config = load_config({"INPUT_SKIP_EXISTING": "", "INPUT_SKIP-EXISTING": "true"})
    assert config.skip_existing is True
    assert config.warnings == ()


@pytest.mark.parametrize(
    "variable",
    ["INPUT_FOO", "INPUT_NODE-VERSION", "INPUT_WITH"],
    ids=["foo", "node-version", "with"],
)
def test_an_unrelated_input_is_only_a_warning(variable: str) -> None:
    config = load_config({variable: "whatever"})
    assert config == Config()
    assert config.warnings == (f"ignoring {variable}: py-release has no input of that name",)


def test_environment_variables_that_are_not_inputs_are_ignored() -> None:
    config = load_config({"SKIP_EXISTING": "maybe", "GITHUB_REF": "refs/tags/v1", "PASSWORD": "x"})
    assert config == Config()
    assert config.warnings == ()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("SKIP-EXISITNG", "skip-existing"),
        ("PASWORD", "password"),
        ("REPOSITORY-URLL", "repository-url"),
        ("PACKAGE-DIR", "packages-dir"),
        ("verify_metdata", "verify-metadata"),
        ("FOO", None),
        ("TOKEN", None),
    ],
)
def test_closest_input(typed: str, meant: str | None) -> None:
    assert closest_input(typed) == meant


def test_alias_spelling_is_not_a_typo() -> None:
    config = load_config({"INPUT_VERIFY_METADATA": "true"})
    assert config.verify_metadata == "true"


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("INPUT_DRY_RUN", "true", "dry_run", "true"),
        ("INPUT_CHECK_TAG", "false", "check_tag", "false"),
        ("INPUT_MAX_FILE_SIZE", "1MiB", "max_file_size", 1024**2),
        ("INPUT_VERIFY_UPLOAD", "false", "verify_upload", False),
        ("INPUT_skip-existing", "true", "skip_existing", True),
    ],
    ids=["DRY_RUN", "CHECK_TAG", "MAX_FILE_SIZE", "VERIFY_UPLOAD", "lower-case"],
)
def test_an_input_spelt_another_way_is_read_or_refused(
    variable: str, value: str, attribute: str, expected: object
) -> None:
    """``docker run -e INPUT_DRY_RUN=true`` (a shell cannot export ``INPUT_DRY-RUN``) must not be
    dropped without a word: either it is read, or it is an error naming the input."""
    config: Config | None = None
    message = ""
    try:
        config = load_config({variable: value})
    except InputError as error:
        message = error.message
    if config is None:
        assert variable in message
    else:
        assert getattr(config, attribute) == expected


def test_config_is_frozen() -> None:
    config = load_config({})
    with pytest.raises(AttributeError):
        config.user = "someone"  # type: ignore[misc]


# -- regressions: bugs found while writing these tests -------------------------------------


def test_an_absurdly_long_size_is_an_input_error() -> None:
    with pytest.raises(InputError, match="max-file-size"):
        load_config({"INPUT_MAX-FILE-SIZE": "9" * 400})


def test_a_multi_line_repository_url_is_an_input_error() -> None:
    with pytest.raises(InputError, match="repository-url"):
        load_config({"INPUT_REPOSITORY-URL": "https://a.example/legacy/\nhttps://b.example/"})


@pytest.mark.parametrize(
    "url",
    ["http://[::1/legacy/", "https://example.com:notaport/", "https://example.com:99999/"],
    ids=["unclosed-ipv6", "port-not-a-number", "port-out-of-range"],
)
def test_a_malformed_host_or_port_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError, match="repository-url"):
        load_config({"INPUT_REPOSITORY-URL": url})


def test_credentials_in_a_non_http_url_never_reach_the_message() -> None:
    token = register_secret("pypi-AgEIcHlwaS5vcmcCredentialsInUrl")
    with pytest.raises(InputError) as caught:
        load_config({"INPUT_REPOSITORY-URL": f"ftp://__token__:{token}@files.example.com/"})
    assert token not in caught.value.message
    assert token not in caught.value.hint


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("doctor", "ERROR", "error"),
        ("doctor", "off", "off"),
        ("github-release", "draft", "draft"),
        ("github-release", "yes", "true"),
        ("github-release", "0", "false"),
    ],
)
def test_choice_inputs_take_their_values(name: str, raw: str, expected: str) -> None:
    config = load_config({f"INPUT_{name.upper()}": raw})
    assert getattr(config, name.replace("-", "_")) == expected


@pytest.mark.parametrize(("name", "raw"), [("doctor", "loud"), ("github-release", "published")])
def test_a_choice_outside_its_values_names_them(name: str, raw: str) -> None:
    with pytest.raises(InputError) as caught:
        load_config({f"INPUT_{name.upper()}": raw})
    assert caught.value.input_name == name
    assert "set " + name + " to one of" in caught.value.hint


# -- Config and the input table agree -------------------------------------------------------


def test_config_has_one_field_per_input_and_no_other_input_field() -> None:
    input_fields = {f.name for f in fields(Config)} - {"sandbox", "warnings"}
    assert input_fields == {field_name(spec.name) for spec in INPUTS}


def test_each_config_field_has_the_type_its_parser_returns() -> None:
    field_types = typing.get_type_hints(Config)
    for spec in INPUTS:
        declared = field_types[field_name(spec.name)]
        if spec.kind == "choice":
            assert declared == typing.Literal[spec.choices], spec.name
        else:
            assert declared == typing.get_type_hints(spec.parse)["return"], spec.name


def test_each_config_default_is_the_inputs_default_parsed() -> None:
    defaults = Config()
    for spec in INPUTS:
        assert getattr(defaults, field_name(spec.name)) == spec.parse(spec.name, spec.default)


@pytest.mark.parametrize(
    ("url", "allow", "ok"),
    [
        ("http://127.0.0.1:8080/", "false", True),
        ("http://localhost/legacy/", "false", True),
        ("http://[::1]:9/legacy/", "false", True),
        ("http://pypi.example.com/legacy/", "true", True),
        ("https://pypi.example.com/legacy/", "false", True),
        ("http://pypi.example.com/legacy/", "false", False),
    ],
)
def test_plain_http_only_on_this_machine_unless_allowed(url: str, allow: str, ok: bool) -> None:
    environ = {"INPUT_REPOSITORY-URL": url, "INPUT_ALLOW-HTTP": allow}
    if ok:
        assert load_config(environ).repository_url == url
    else:
        with pytest.raises(InputError) as caught:
            load_config(environ)
        assert "allow-http: true" in caught.value.hint
