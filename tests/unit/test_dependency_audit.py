"""The audit's parts: which version of a range is audited, what a wheel declares, what
py-release runs with, the ids audit-ignore takes, which ids become links, the seed file, and a
vulnerability service that cannot be reached (a warning, never a pass)."""

from __future__ import annotations

import importlib.metadata
import json
import socket
from pathlib import Path

import pytest
import requests
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from py_release.dependencies.audit import audit_packages
from py_release.dependencies.declared import Installed, declared_requirements, installed_closure
from py_release.dependencies.findings import KnownVulnerability, Unchecked
from py_release.dependencies.service import vulnerability_source
from py_release.dependencies.stage import _unchecked_line
from py_release.dependencies.versions import newest_allowed
from py_release.errors import InputError
from py_release.parsers import parse_vulnerability_ids
from py_release.sandbox.warehouse.advisories import DEFAULT_SEED, SeedError, read_seed
from tests.unit.artefacts import make_wheel, metadata_text

FILE = [{"filename": "x.tar.gz", "yanked": False}]
YANKED = [{"filename": "x.tar.gz", "yanked": True}]


@pytest.mark.parametrize(
    ("releases", "specifier", "expected"),
    [
        ({"1.0": FILE, "1.5": FILE, "2.0": FILE}, "<2", "1.5"),
        ({"1.0": FILE, "1.5": YANKED}, "", "1.0"),  # a yanked release is not chosen ...
        ({"1.0": FILE, "1.5": YANKED}, "==1.5", "1.5"),  # ... unless pinned (PEP 592)
        ({"1.0": FILE, "2.0b1": FILE}, "", "1.0"),  # no pre-release unless asked for
        ({"1.0": FILE, "2.0b1": FILE}, ">=2.0b1", "2.0b1"),
        ({"2.0b1": FILE}, "", "2.0b1"),  # ... or when nothing else matches
        ({"1.0": FILE, "1.5": []}, "", "1.0"),  # a release with no files cannot be installed
        ({"1.0": FILE, "not a version": FILE}, "", "1.0"),
        ({"1.0": FILE}, ">=2", None),
    ],
)
def test_the_newest_version_the_range_allows_is_audited(
    releases: dict[str, list[dict[str, object]]], specifier: str, expected: str | None
) -> None:
    found = newest_allowed(releases, SpecifierSet(specifier))
    assert found == (Version(expected) if expected else None)


def test_a_wheel_declares_its_requirements_with_their_extras(tmp_path: Path) -> None:
    metadata = metadata_text(
        extra=[
            ("Requires-Dist", "requests>=2,<3"),
            ("Provides-Extra", "socks"),
            ("Requires-Dist", "PySocks!=1.5.7,>=1.5.6; extra == 'socks'"),
            ("Requires-Dist", 'win-inet-pton; sys_platform == "win32" and extra == "socks"'),
            ("Requires-Dist", "local-thing @ https://example.com/local_thing-1.0.tar.gz"),
        ]
    )
    declared = declared_requirements(make_wheel(tmp_path, metadata=metadata))
    assert [(d.name, d.allowed, d.extras) for d in declared] == [
        ("requests", "<3,>=2", ()),
        ("pysocks", "!=1.5.7,>=1.5.6", ("socks",)),
        ("win-inet-pton", "any version", ("socks",)),
        ("local-thing", "any version", ()),
    ]


def test_py_release_s_own_packages_are_what_is_installed_with_the_extras_it_asks_for() -> None:
    closure = {p.name: p.version for p in installed_closure()}
    # build[uv]: uv comes only through build's extra.
    assert closure["uv"] == Version(importlib.metadata.version("uv"))
    assert closure["pip-audit"] == Version(importlib.metadata.version("pip-audit"))
    assert "py-release" not in closure
    assert "pytest" not in closure  # a dev tool, not something py-release runs with


def test_audit_ignore_takes_ids_separated_by_commas_or_lines() -> None:
    ids = parse_vulnerability_ids("audit-ignore", "PYSEC-2024-1, GHSA-abcd-efgh-ijkl\ncve-2024-3\n")
    assert ids == ("PYSEC-2024-1", "GHSA-abcd-efgh-ijkl", "cve-2024-3")
    assert parse_vulnerability_ids("audit-ignore", "  ") == ()
    with pytest.raises(
        InputError, match="input 'audit-ignore': '<script>' is not a vulnerability id"
    ):
        parse_vulnerability_ids("audit-ignore", "PYSEC-2024-1 <script>")


@pytest.mark.parametrize(
    ("identifier", "link"),
    [
        ("PYSEC-2024-1", "https://osv.dev/vulnerability/PYSEC-2024-1"),
        ("GHSA-abcd-efgh-ijkl", "https://osv.dev/vulnerability/GHSA-abcd-efgh-ijkl"),
        ("javascript:alert(1)", None),
        ("PYSEC-1](https://evil.example)", None),
        ("PYSEC-1 ", None),
    ],
)
def test_only_an_id_in_an_id_s_shape_becomes_a_link(identifier: str, link: str | None) -> None:
    finding = KnownVulnerability(
        id=identifier, aliases=(), package="x", version="1", allowed="any version",
        scope="release", extra="", fixed_in=(), summary="",
    )  # fmt: skip
    assert finding.link == link


def test_the_default_seed_reads_and_a_broken_one_says_where(tmp_path: Path) -> None:
    seeded = read_seed(DEFAULT_SEED)
    assert [a.id for a in seeded.affecting("py-release-vulnerable-example", "1.1.0")] == [
        "PYSEC-0000-1"
    ]
    assert seeded.affecting("py-release-vulnerable-example", "2.0.0") == []
    broken = tmp_path / "seed.json"
    broken.write_text(
        json.dumps({"projects": {"x": {"vulnerabilities": [{"id": "A-1", "affected": "<<1"}]}}})
    )
    with pytest.raises(SeedError, match=r"projects\.x\.vulnerabilities\[0\]: affected"):
        read_seed(broken)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_service_leaves_every_package_unchecked_and_says_so(
    tmp_path: Path,
) -> None:
    metadata = metadata_text(extra=[("Requires-Dist", "requests>=2")])
    declared = declared_requirements(make_wheel(tmp_path, metadata=metadata))
    installed = [Installed("urllib3", Version("2.2.0")), Installed("idna", Version("3.7"))]
    with requests.Session() as session:
        source = vulnerability_source(session, f"http://127.0.0.1:{_closed_port()}")
        result = audit_packages(source, declared, installed, ignore=(), concurrency=4)

    assert result.vulnerabilities == ()
    assert [(u.package, u.scope) for u in result.unchecked] == [
        ("requests", "release"), ("urllib3", "py-release"), ("idna", "py-release"),
    ]  # fmt: skip
    assert {u.reason for u in result.unchecked} == {"PyPI's JSON API cannot be reached"}
    assert _unchecked_line(result.unchecked) == (
        "the audit is incomplete: 3 packages could not be checked: PyPI's JSON API cannot be "
        "reached"
    )


def test_an_api_that_knows_no_package_is_named_as_the_likely_cause() -> None:
    unknown = [Unchecked(f"p{i}", "py-release", f"PyPI does not know p{i} 1.0") for i in range(5)]
    assert "knows none of the 5 packages" in _unchecked_line(unknown)
    mixed = [*unknown[:2], Unchecked("q", "release", "PyPI has no project of that name")]
    assert _unchecked_line(mixed).startswith("the audit is incomplete: 3 package(s) could not")


def test_py_release_s_own_packages_are_looked_up_once_ahead_of_the_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from py_release import release
    from py_release.config import load_config
    from py_release.dependencies import ahead
    from py_release.dependencies.audit import Lookups
    from py_release.environment import release_environment
    from py_release.github.context import GitHubContext
    from py_release.reporter import TerminalReporter

    calls: list[str] = []
    found = Lookups((), (), 3)

    def look_up_own(source: object, config: object) -> Lookups:
        import threading

        calls.append(threading.current_thread().name)
        return found

    monkeypatch.setattr(ahead, "look_up_own", look_up_own)
    env = release_environment(
        config=load_config({}, {}),
        context=GitHubContext(),
        reporter=TerminalReporter(verbose=False),
    )
    release._start_own_lookups(env)
    assert ahead.own_lookups(env, source=None) is found  # type: ignore[arg-type]
    assert calls == ["py-release-audit"]
    assert ahead.KEY not in env.audit_ahead

    off = release_environment(
        config=load_config({}, {"audit": "off"}), context=GitHubContext(),
        reporter=TerminalReporter(verbose=False),
    )  # fmt: skip
    release._start_own_lookups(off)
    assert off.audit_ahead == {}
    assert calls == ["py-release-audit"]


def test_run_from_its_source_folder_py_release_s_packages_are_its_lock_s(tmp_path: Path) -> None:
    from py_release.dependencies.declared import ACTION_LOCK, lock_pins

    lock = tmp_path / "action.lock"
    lock.write_text(
        "# via uv\n"
        "pip-audit==2.10.1 \\\n    --hash=sha256:00\n"
        "pywin32-ctypes==0.2.3 ; sys_platform == 'win32' \\\n    --hash=sha256:11\n"
        "build[uv]==1.6.1\n"
    )
    assert lock_pins(lock) == [
        ("pip-audit", "2.10.1"), ("pywin32-ctypes", "0.2.3"), ("build", "1.6.1"),
    ]  # fmt: skip
    # The action and the container import py-release from src/ (a .pth file): no
    # distribution of that name, so the lock says what it runs with.
    from_lock = {p.name for p in installed_closure(root="py-release-not-installed")}
    assert "pip-audit" in from_lock
    assert from_lock <= {name for name, _ in lock_pins(ACTION_LOCK)}
