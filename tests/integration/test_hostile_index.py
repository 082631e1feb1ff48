"""An index's words are text: a hostile index's reason phrases, bodies and listed hashes reach
the log and the summary as text, never as workflow commands or Markdown, and the run fails
with the index's reason named."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

from tests.helpers import CliRun, run_cli
from tests.hostile_index import COMMANDS, HostileIndex, hostile_index
from tests.workflow_commands import unintended

PASSWORD = "hostile-index-password-4d2c"


def _publish(index: HostileIndex, packages: Path, tmp_path: Path) -> CliRun:
    return run_cli(
        ["publish", "--repository-url", index.upload_url, "--user", "uploader",
         "--packages-dir", str(packages), "--attestations", "false", "--doctor", "off",
         "--concurrency", "1"],
        tmp_path,
        {"INPUT_PASSWORD": PASSWORD},
    )  # fmt: skip


def _masks() -> set[str]:
    return {PASSWORD} | {
        base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        for user in ("__token__", "uploader")
    }


def _assert_text_only(run: CliRun) -> None:
    assert unintended(run.stdout, _masks()) == []
    assert unintended(run.stderr, _masks()) == []
    rendered = cmarkgfm.github_flavored_markdown_to_html(
        run.summary, options=Options.CMARK_OPT_UNSAFE
    )
    assert "<img" not in rendered
    assert "evil.example" not in "".join(
        part.split('"')[0] for part in rendered.split('href="')[1:]
    )


def test_a_refusal_full_of_commands_is_shown_as_text(packages_dir: Path, tmp_path: Path) -> None:
    with hostile_index() as index:
        index.upload_answer = (400, "Bad ::add-mask::1.0.0 ##[add-mask]x", COMMANDS)
        run = _publish(index, packages_dir, tmp_path)

    assert run.returncode == 1, run.log
    assert "the index refused" in run.stderr
    assert "add-mask" in run.stderr  # the index's words are there, as text
    _assert_text_only(run)
    assert run.outputs["version"] == "1.0.0"


def test_listed_hashes_full_of_commands_are_shown_as_text(
    packages_dir: Path, tmp_path: Path
) -> None:
    files = sorted(packages_dir.iterdir())
    with hostile_index() as index:
        index.listing = {
            "meta": {"api-version": "1.0"},
            "name": "py-release-sample",
            "files": [
                {"filename": f.name, "url": f"{index.url}files/{f.name}",
                 "hashes": {"sha256": COMMANDS + hashlib.sha256(f.read_bytes()).hexdigest()}}
                for f in files
            ],
        }  # fmt: skip
        run = _publish(index, packages_dir, tmp_path)

    assert run.returncode == 1, run.log
    assert "the index does not serve what was uploaded" in run.stderr
    _assert_text_only(run)


def test_an_echoed_authorization_header_is_masked(packages_dir: Path, tmp_path: Path) -> None:
    basic = base64.b64encode(f"uploader:{PASSWORD}".encode()).decode()
    with hostile_index() as index:
        index.upload_answer = (400, "Bad Request", "not allowed")
        index.echo_authorization = True
        run = _publish(index, packages_dir, tmp_path)

    assert run.returncode == 1, run.log
    assert "you sent: Authorization: Basic ***" in run.stderr
    assert f"::add-mask::{basic}" in run.stdout.splitlines()[:3]
    for text in (run.stderr, run.summary, "\n".join(run.stdout.splitlines()[3:])):
        assert basic not in text
        assert PASSWORD not in text


def test_hostile_member_names_and_metadata_are_text_in_the_check(tmp_path: Path) -> None:
    from tests.unit.artefacts import make_wheel, metadata_text

    folder = tmp_path / "dist"
    folder.mkdir()
    make_wheel(
        folder,
        metadata=metadata_text(summary="ok\r::add-mask::1.0.0"),
        raw_members=[("../##[set-output name=version;]6.6.6", b"x")],
    )  # fmt: skip
    run = run_cli(["check", str(folder)], tmp_path)

    assert run.returncode == 1, run.log
    assert "set-output name=version" in run.stdout + run.stderr  # named, as text
    assert unintended(run.stdout) == []
    assert unintended(run.stderr) == []


def test_a_listing_redirected_to_another_host_is_not_this_indexs(
    packages_dir: Path, tmp_path: Path
) -> None:
    from tests.pypiserver import PypiServer
    from tests.secrets_registry import register_secret

    files = sorted(packages_dir.iterdir())
    with hostile_index() as elsewhere:
        # The other host lists exactly these files: following it would say "already there".
        elsewhere.posts.append("seen")
        elsewhere.listing = {
            "meta": {"api-version": "1.0"},
            "name": "py-release-sample",
            "files": [
                {"filename": f.name, "url": f"{elsewhere.url}files/{f.name}",
                 "hashes": {"sha256": hashlib.sha256(f.read_bytes()).hexdigest()}}
                for f in files
            ],
        }  # fmt: skip
        with PypiServer(fallback_url=f"{elsewhere.url}simple/") as index:
            register_secret(index.password.reveal())
            run = run_cli(
                ["publish", "--repository-url", index.url, "--user", index.user,
                 "--packages-dir", str(packages_dir), "--attestations", "false",
                 "--doctor", "off"],
                tmp_path,
                {"INPUT_PASSWORD": index.password.reveal()},
            )  # fmt: skip
            held = {p.name for p in index.packages.iterdir()}

    assert run.returncode == 0, run.log
    assert held == {f.name for f in files}
    assert "another host" in run.stdout
    assert "--disable-fallback" in run.stdout
    assert "already on the index" not in run.log
    assert "| verify | ✅ done |" in run.summary
