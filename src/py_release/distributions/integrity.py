"""Archive integrity: a wheel is a sound zip whose RECORD matches, an sdist a safe tar.

RECORD hashes are verified by ``installer`` (the reference wheel installer); the path rules
(no absolute paths, no ``..``, no links out of the archive) are ours, because no maintained
library checks archives before upload.
"""

from __future__ import annotations

import csv
import posixpath
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from installer.sources import WheelFile

from py_release.errors import Problem

_REBUILD_HINT = "rebuild the distributions with a current build backend and do not edit them after"


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
            problems.append(Problem(file, f"archive member '{member}' {reason}", _REBUILD_HINT))
    return problems


def check_wheel(path: Path) -> list[Problem]:
    """A wheel must be a valid zip with one .dist-info whose RECORD lists every file exactly."""
    file = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(file, f"is not a valid zip archive ({exc})", _REBUILD_HINT)]
    with archive:
        names = archive.namelist()
        problems = _path_problems(file, names)
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        problems += [
            Problem(file, f"archive member '{name}' appears more than once", _REBUILD_HINT)
            for name in duplicates
        ]
        if problems:
            return problems
        bad = archive.testzip()
        if bad is not None:
            return [
                Problem(file, f"archive member '{bad}' is corrupt (CRC mismatch)", _REBUILD_HINT)
            ]
        try:
            source = WheelFile(archive)
            source.validate_record(validate_contents=True)
            listed = _record_paths(source.read_dist_info("RECORD"))
        except WheelFile.validation_error as exc:
            return [Problem(file, f"RECORD: {issue}", _REBUILD_HINT) for issue in exc.issues]
        except Exception as exc:  # noqa: BLE001 -- installer raises plain ValueErrors too
            return [Problem(file, f"is not a valid wheel: {exc}", _REBUILD_HINT)]
        missing = sorted(set(listed) - set(names))
        problems += [
            Problem(file, f"RECORD lists '{name}' but the wheel does not contain it", _REBUILD_HINT)
            for name in missing
        ]
        if "METADATA" not in source.dist_info_filenames:
            problems.append(
                Problem(file, f"{source.dist_info_dir}/METADATA is missing", _REBUILD_HINT)
            )
    return problems


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
    """An sdist must be a readable gzip'd tar with PKG-INFO at its top and nothing pointing out."""
    file = path.name
    if not file.endswith(".tar.gz"):
        return []  # the file-name check reports non-.tar.gz sdists
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        return [Problem(file, f"is not a valid .tar.gz archive ({exc})", _REBUILD_HINT)]
    problems = _path_problems(file, (m.name for m in members))
    symlinks = {posixpath.normpath(m.name): m.linkname for m in members if m.issym()}
    for member in members:
        if (member.issym() or member.islnk()) and _link_escapes(member, symlinks):
            kind = "symlink" if member.issym() else "hard link"
            problems.append(
                Problem(
                    file,
                    f"{kind} '{member.name}' points outside the archive (to '{member.linkname}')",
                    "remove the link from the sdist (exclude it in your build backend's settings)",
                )
            )
        elif member.ischr() or member.isblk() or member.isfifo():
            problems.append(
                Problem(file, f"'{member.name}' is a device or pipe, not a file", _REBUILD_HINT)
            )
    tops = {m.name.split("/", 1)[0] for m in members}
    if len(tops) != 1:
        problems.append(
            Problem(
                file,
                f"must hold one top-level folder, holds {len(tops)}: {', '.join(sorted(tops))}",
                _REBUILD_HINT,
            )
        )
    elif f"{next(iter(tops))}/PKG-INFO" not in {m.name for m in members}:
        problems.append(Problem(file, "has no PKG-INFO in its top-level folder", _REBUILD_HINT))
    return problems
