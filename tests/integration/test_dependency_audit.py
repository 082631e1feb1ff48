"""The dependency audit, end to end: the real CLI releases ready files whose wheel declares
dependencies, with the sandbox's PyPI stand-in serving the vulnerability data of a seed file
(what `py-release sandbox --advisories` serves under act). The findings reach the log as
annotations and the summary as an escaped table; `audit: error` stops before anything is
signed or uploaded; `audit-ignore` lists what it ignores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cmarkgfm
import pytest
import requests
from cmarkgfm.cmark import Options

from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from tests.helpers import CliRun, run_cli
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret
from tests.unit.artefacts import NAME, make_sdist, make_wheel, metadata_text
from tests.workflow_commands import unintended

IDENTITY = JobIdentity(repository="octo-org/sample-project", environment="pypi")
HOSTILE_SUMMARY = "Crafted input: <b>bold</b> [a link](javascript:alert(1)) | cell\n::error::forged"
SEED = {
    "projects": {
        "vulnerable-dep": {
            "versions": ["1.0", "1.5", "2.0"],
            "vulnerabilities": [
                {"id": "PYSEC-2099-7", "aliases": ["CVE-2099-0007", "GHSA-abcd-efgh-ijkl"],
                 "summary": HOSTILE_SUMMARY, "details": "details", "affected": "<2.0",
                 "fixed_in": ["2.0"]},
            ],
        },
        "extra-dep": {
            "versions": ["3.0"],
            "vulnerabilities": [
                {"id": "GHSA-zzzz-yyyy-xxxx", "aliases": [], "summary": "No fix exists.",
                 "affected": ">=3.0", "fixed_in": []},
            ],
        },
        "clean-dep": {"versions": ["1.0", "1.1"], "yanked": ["1.1"]},
    }
}  # fmt: skip
VULNERABLE = [
    ("Requires-Dist", "vulnerable-dep>=1,<2"),
    ("Requires-Dist", "clean-dep"),
    ("Provides-Extra", "fast"),
    ("Requires-Dist", 'extra-dep; extra == "fast"'),
    ("Requires-Dist", "unknown-dep>=1"),
]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    seed = tmp_path / "advisories.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    with start_sandbox(IDENTITY, NAME, advisories=seed) as running:
        register_secret(running.issuer.request_token.reveal())
        yield running
        for token in running.issuer.issued:
            register_secret(token)


def _release(
    sandbox: Sandbox, tmp_path: Path, requires: list[tuple[str, str]], **inputs: str
) -> CliRun:
    packages = tmp_path / "dist"
    packages.mkdir()
    metadata = metadata_text(extra=requires)
    make_sdist(packages, metadata=metadata)
    make_wheel(packages, metadata=metadata)
    environ = (
        sandbox.act_env()
        | {
            "ACT": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": IDENTITY.ref,
            "GITHUB_REPOSITORY": IDENTITY.repository,
            "GITHUB_WORKFLOW_REF": IDENTITY.default_workflow_ref,
            "INPUT_ATTESTATIONS": "false",
        }
        | {f"INPUT_{name.upper().replace('_', '-')}": value for name, value in inputs.items()}
    )
    environ.setdefault("INPUT_AUDIT", "warn")  # run_cli leaves the audit out otherwise
    run = run_cli(["publish", "--packages-dir", str(packages)], tmp_path, environ)
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))
    return run


def _on_index(sandbox: Sandbox) -> int:
    page = requests.get(
        f"{sandbox.warehouse.simple_url}{NAME}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    )
    return len(page.json()["files"]) if page.status_code == 200 else 0


def test_warn_lists_every_finding_and_what_could_not_be_checked(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = _release(sandbox, tmp_path, VULNERABLE, audit="warn", dry_run="true")

    assert run.returncode == 0, run.log
    log = run.log
    assert (
        "::warning title=audit::PYSEC-2099-7: vulnerable-dep 1.5 (the release, allowed <2,>=1), "
        "fixed in 2.0 — fix: allow vulnerable-dep>=2.0"
    ) in log
    assert "GHSA-zzzz-yyyy-xxxx: extra-dep 3.0 (the release's extra 'fast'" in log
    assert "unknown-dep: PyPI has no project of that name" in log
    assert unintended(run.stdout) == []
    summary = run.summary
    assert "### Dependency audit" in summary
    assert "| audit | ⚠️ incomplete |" in summary
    assert "[PYSEC-2099-7](https://osv.dev/vulnerability/PYSEC-2099-7)" in summary
    assert "`CVE-2099-0007`, `GHSA-abcd-efgh-ijkl`" in summary
    assert "`1.5` (newest of `<2,>=1`)" in summary
    assert "no fix yet" in summary
    assert "- `unknown-dep` (release): PyPI has no project of that name" in summary
    # The advisory's text is the index's: rendered as GitHub does, no HTML, no link and no
    # table cell of its own come out of it.
    html = cmarkgfm.github_flavored_markdown_to_html(summary, options=Options.CMARK_OPT_UNSAFE)
    assert "<b>" not in html
    assert "javascript:" not in html.split("[a link]", 1)[0]
    assert 'href="javascript' not in html
    assert "| cell" in html  # one cell: its text holds the bar
    # clean-dep's newest allowed release is yanked: 1.0 is audited, and has nothing.
    assert "| `clean-dep`" not in summary
    # The SBOM beside the files lists every requirement, whatever the audit found.
    sbom_name = "py_release_sample-1.0.0.cdx.json"
    assert f"SBOM (CycloneDX 1.6), beside the files: `{sbom_name}`" in summary
    sbom = json.loads((tmp_path / "dist" / sbom_name).read_text(encoding="utf-8"))
    assert {c["name"] for c in sbom["components"]} == {
        "vulnerable-dep", "clean-dep", "extra-dep", "unknown-dep",
    }  # fmt: skip


def test_error_stops_before_signing_and_nothing_is_uploaded(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = _release(sandbox, tmp_path, VULNERABLE, audit="error")

    assert run.returncode == 1, run.log
    assert "error: 2 known vulnerabilities:" in run.log
    assert "PYSEC-2099-7: vulnerable-dep 1.5" in run.log
    assert "Traceback" not in run.log
    assert "#vulnerabledependencies" in run.log
    assert "| audit | ❌ failed | 2 known vulnerabilities:" in run.summary
    assert "| authenticate |" not in run.summary
    assert "| sign |" not in run.summary
    assert "[PYSEC-2099-7](https://osv.dev/vulnerability/PYSEC-2099-7)" in run.summary
    assert sandbox.issuer.issued == []  # no ID token was even asked for
    assert _on_index(sandbox) == 0


def test_ignored_findings_are_listed_and_do_not_stop_the_release(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    requires = [r for r in VULNERABLE if "unknown-dep" not in r[1]]
    run = _release(
        sandbox, tmp_path, requires, audit="error",
        audit_ignore="cve-2099-0007\nGHSA-zzzz-yyyy-xxxx",
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert _on_index(sandbox) == 2
    assert "ignored (audit-ignore): PYSEC-2099-7: vulnerable-dep 1.5" in run.log
    assert "::warning title=audit" not in run.log
    assert run.summary.count("ignored (audit-ignore)") == 2
    assert "audit-ignore: `cve-2099-0007`, `GHSA-zzzz-yyyy-xxxx`" in run.summary
    assert "| audit | ✅ done |" in run.summary


def test_a_clean_release_passes_with_py_release_s_own_packages_checked(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = _release(sandbox, tmp_path, [("Requires-Dist", "clean-dep>=1")], dry_run="true")

    assert run.returncode == 0, run.log
    assert "::warning title=audit" not in run.log
    detail = run.summary.split("| audit | ✅ done | ", 1)[1].split(" |", 1)[0]
    assert detail.startswith("1 requirement(s) of the release and ")
    assert detail.endswith("package(s) of py-release: 0 known vulnerabilities")
    assert "No known vulnerabilities in 1 requirement(s) of the release" in run.summary


def test_audit_off_skips_the_stage(sandbox: Sandbox, tmp_path: Path) -> None:
    run = _release(sandbox, tmp_path, VULNERABLE, audit="off", dry_run="true")

    assert run.returncode == 0, run.log
    assert "| audit | ⏭️ skipped | audit is off |" in run.summary
    assert "### Dependency audit" not in run.summary
