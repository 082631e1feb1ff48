"""What installers refuse in a file PyPI would take: a wheel whose RECORD does not match its
contents, two ``.dist-info`` folders, corrupt members; archive paths that leave the install
folder; sdist links that point out of the archive, devices and pipes.

These are refused on purpose, though PyPI accepts them (it only e-mails the owners about a bad
RECORD): pip and uv refuse to install such files, so a release holding one is broken for its
users. RECORD hashes are verified by ``installer`` (the reference wheel installer); the path
rules are ours, because no maintained library checks archives before upload.
"""

from __future__ import annotations

import csv
import posixpath
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from py_release.errors import Problem

_REBUILD_HINT = "rebuild the distributions with a current build backend and do not edit them after"


def _refused(file: str, message: str, hint: str = _REBUILD_HINT) -> Problem:
    return Problem(file, message, hint, by="installers")


def _unsafe_path(name: str) -> str | None:
    """Why an archive member path is unsafe, or None when it is fine."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "contains '..'"
    return None


def _path_problems(file: str, names: Iterable[str]) -> list[Problem]:
    problems = []
    for member in names:
        reason = _unsafe_path(member)
        if reason:
            problems.append(_refused(file, f"archive member '{member}' {reason}"))
    return problems


def check_wheel(path: Path) -> list[Problem]:
    """A wheel installers take: safe member paths, one .dist-info, sound members, and a RECORD
    that lists every file with its right hash and size."""
    file = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return []  # PyPI's archive rules report a file that is no zip
    with archive:
        names = archive.namelist()
        problems = _path_problems(file, names)
        dist_infos = sorted(
            {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
        )
        if len(dist_infos) > 1:
            problems.append(
                _refused(
                    file, f"holds {len(dist_infos)} .dist-info folders: {', '.join(dist_infos)}"
                )
            )
        if problems:
            return problems
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            return [_refused(file, f"its members cannot be read ({exc})")]
        if bad is not None:
            return [_refused(file, f"archive member '{bad}' is corrupt (CRC mismatch)")]
        stem = "-".join(file.split("-", 2)[:2])
        if f"{stem}.dist-info/RECORD" not in names:
            return []  # PyPI's rules report a RECORD that is not where the file name says
        # installer loads with the wheel check, not with the sdist check of the build stage.
        from installer.sources import WheelFile

        try:
            source = WheelFile(archive)
            source.validate_record(validate_contents=True)
            listed = _record_paths(source.read_dist_info("RECORD"))
        except WheelFile.validation_error as exc:
            return [_refused(file, f"RECORD: {_relative(issue, path)}") for issue in exc.issues]
        except Exception as exc:  # noqa: BLE001 -- installer raises plain ValueErrors too
            return [_refused(file, f"installer cannot read it: {_relative(str(exc), path)}")]
        missing = sorted(set(listed) - set(names))
        problems += [
            _refused(file, f"RECORD lists '{name}' but the wheel does not contain it")
            for name in missing
        ]
    return problems


def _relative(text: str, path: Path) -> str:
    """installer names the wheel by the path it was opened with; the file name is enough."""
    return text.replace(f"In {path}, ", "").replace(str(path), path.name)


def _record_paths(record_text: str) -> list[str]:
    return [row[0] for row in csv.reader(record_text.splitlines()) if row]


_MAX_LINK_DEPTH = 40


def _resolve(
    base: list[str], target: str, symlinks: dict[str, str], depth: int = 0
) -> list[str] | None:
    """Where ``target`` lands when followed from folder ``base`` inside the archive, following
    the archive's own symlinks on the way; None when it leaves the archive (or loops)."""
    if target.startswith(("/", "\\")) or (len(target) > 1 and target[1] == ":"):
        return None
    stack = [part for part in base if part not in ("", ".")]
    for part in target.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not stack:
                return None
            stack.pop()
            continue
        stack.append(part)
        link = symlinks.get("/".join(stack))
        if link is not None:
            if depth >= _MAX_LINK_DEPTH:
                return None
            resolved = _resolve(stack[:-1], link, symlinks, depth + 1)
            if resolved is None:
                return None
            stack = resolved
    return stack


def _link_escapes(member: tarfile.TarInfo, symlinks: dict[str, str]) -> bool:
    # Symlinks resolve against the member's folder, hard links against the archive root.
    base = posixpath.dirname(member.name).split("/") if member.issym() else []
    return _resolve(base, member.linkname, symlinks) is None


def check_sdist(path: Path) -> list[Problem]:
    """An sdist installers (and build front ends) can unpack: no unsafe paths, no links out of
    the archive, no devices or pipes."""
    file = path.name
    if not file.endswith(".tar.gz"):
        return []  # PyPI's file-name rule refuses non-.tar.gz sdists
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError):
        return []  # PyPI's archive rules report a file that is no .tar.gz
    problems = _path_problems(file, (m.name for m in members))
    symlinks = {posixpath.normpath(m.name): m.linkname for m in members if m.issym()}
    for member in members:
        if (member.issym() or member.islnk()) and _link_escapes(member, symlinks):
            kind = "symlink" if member.issym() else "hard link"
            problems.append(
                _refused(
                    file,
                    f"{kind} '{member.name}' points outside the archive (to '{member.linkname}')",
                    "remove the link from the sdist (exclude it in your build backend's settings)",
                )
            )
        elif member.ischr() or member.isblk() or member.isfifo():
            problems.append(_refused(file, f"'{member.name}' is a device or pipe, not a file"))
    return problems
