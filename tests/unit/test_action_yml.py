"""``action.yml`` is kept in step with ``py_release.inputs.INPUTS`` and passes inputs safely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from py_release.cli import UsageError, build_parser
from py_release.config import env_key
from py_release.inputs import INPUTS, INPUTS_BY_NAME, InputSpec
from py_release.plan import Record
from py_release.summary import outputs

YamlValue = object


def as_mapping(value: YamlValue) -> dict[str, YamlValue]:
    assert isinstance(value, dict), value
    return value


def as_list(value: YamlValue) -> list[YamlValue]:
    assert isinstance(value, list), value
    return value


def as_str(value: YamlValue) -> str:
    assert isinstance(value, str), value
    return value


ACTION_YML = Path(__file__).resolve().parents[2] / "action.yml"
ALIASES = {spec.alias: spec.name for spec in INPUTS if spec.alias}

# pypa/gh-action-pypi-publish's inputs and defaults: a workflow must work by changing `uses:`.
REFERENCE_DEFAULTS = {
    "user": "__token__",
    "password": "",
    "repository-url": "https://upload.pypi.org/legacy/",
    "packages-dir": "dist",
    "verify-metadata": "true",
    "skip-existing": "false",
    "verbose": "true",  # since v1.14.0
    "print-hash": "true",  # since v1.14.0
    "attestations": "true",
}


@pytest.fixture(scope="module")
def action() -> dict[str, YamlValue]:
    return as_mapping(yaml.safe_load(ACTION_YML.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def inputs(action: dict[str, YamlValue]) -> dict[str, dict[str, YamlValue]]:
    return {name: as_mapping(value) for name, value in as_mapping(action["inputs"]).items()}


def _steps(action: dict[str, YamlValue]) -> list[dict[str, YamlValue]]:
    runs = as_mapping(action["runs"])
    assert as_str(runs["using"]) == "composite"
    return [as_mapping(step) for step in as_list(runs["steps"])]


def _release_step(action: dict[str, YamlValue]) -> dict[str, YamlValue]:
    steps = [step for step in _steps(action) if "entrypoint.py" in as_str(step.get("run", ""))]
    assert len(steps) == 1, "exactly one step runs entrypoint.py"
    return steps[0]


def test_action_yml_declares_exactly_the_inputs_and_aliases(
    inputs: dict[str, dict[str, YamlValue]],
) -> None:
    assert set(inputs) == {spec.name for spec in INPUTS} | set(ALIASES)


@pytest.mark.parametrize("spec", INPUTS, ids=[spec.name for spec in INPUTS])
def test_each_input_has_the_table_default(
    spec: InputSpec, inputs: dict[str, dict[str, YamlValue]]
) -> None:
    declared = inputs[spec.name]
    assert as_str(declared.get("default", "")) == (spec.action_default or spec.default)
    assert as_str(declared["description"]).strip()
    assert declared.get("required", False) is False


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_have_no_default_and_are_deprecated(
    alias: str, inputs: dict[str, dict[str, YamlValue]]
) -> None:
    declared = inputs[alias]
    # A default would always be set and would then override the new name's value.
    assert "default" not in declared
    assert ALIASES[alias] in as_str(declared["deprecationMessage"])


@pytest.mark.parametrize("name", sorted(REFERENCE_DEFAULTS))
def test_reference_inputs_keep_their_names_and_defaults(
    name: str, inputs: dict[str, dict[str, YamlValue]]
) -> None:
    assert as_str(inputs[name].get("default", "")) == REFERENCE_DEFAULTS[name]
    assert INPUTS_BY_NAME[name].default == REFERENCE_DEFAULTS[name]


@pytest.mark.parametrize(
    "name",
    [spec.name for spec in INPUTS] + sorted(ALIASES),
)
def test_release_step_maps_every_input_into_env(name: str, action: dict[str, YamlValue]) -> None:
    env = as_mapping(_release_step(action)["env"])
    key = env_key(name)
    assert key == "INPUT_" + name.upper()
    assert as_str(env[key]).strip() == f"${{{{ inputs.{name} }}}}"


def test_release_step_env_holds_no_unknown_input(action: dict[str, YamlValue]) -> None:
    env = as_mapping(_release_step(action)["env"])
    expected = {env_key(spec.name) for spec in INPUTS} | {env_key(alias) for alias in ALIASES}
    assert {key for key in env if key.startswith("INPUT_")} == expected


def test_no_expression_inside_any_run(action: dict[str, YamlValue]) -> None:
    runs = [as_str(step["run"]) for step in _steps(action) if "run" in step]
    assert runs
    for run in runs:
        assert "${{" not in run


def test_every_input_but_the_password_has_a_cli_flag() -> None:
    parser = build_parser()
    for spec in INPUTS:
        argv = ["publish", f"--{spec.name}", "value"]
        if spec.kind == "secret":
            with pytest.raises(UsageError):
                parser.parse_args(argv)
        else:
            args = parser.parse_args(argv)
            assert getattr(args, spec.name.replace("-", "_")) == "value"


def test_action_outputs_are_exactly_what_the_release_writes(action: dict[str, YamlValue]) -> None:
    declared = as_mapping(action["outputs"])
    assert set(declared) == set(outputs(Record()))
    for name, spec in declared.items():
        assert as_str(as_mapping(spec)["value"]) == f"${{{{ steps.release.outputs.{name} }}}}"
        assert as_str(as_mapping(spec)["description"]).strip()


def test_the_readme_documents_every_output() -> None:
    readme = (ACTION_YML.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Outputs", 1)[1].split("\n#", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    assert documented == set(outputs(Record()))
