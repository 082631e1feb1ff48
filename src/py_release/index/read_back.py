"""After the upload: does the index serve exactly the files that were sent?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from py_release.distributions.files import DistFile
from py_release.errors import Problem, UploadError
from py_release.index.query import IndexFile


def compare_with_index(dists: Sequence[DistFile], on_index: Mapping[str, IndexFile]) -> str:
    """A one-line verdict when every file is listed with its sha256; raises ``UploadError``
    naming every file that is missing or differs."""
    problems: list[Problem] = []
    unverifiable: list[str] = []
    for dist in dists:
        found = on_index.get(dist.name)
        if found is None:
            problems.append(Problem(dist.name, "is not listed by the index after the upload", ""))
        elif found.sha256 is None:
            unverifiable.append(dist.name)
        elif found.sha256 != dist.hashes.sha256:
            problems.append(Problem(dist.name, f"the index serves sha256 {found.sha256}", ""))
    if problems:
        raise UploadError(
            "the index does not serve what was uploaded: " + "; ".join(str(p) for p in problems),
            "check the index (a proxy or cache may be in the way); re-running uploads only "
            "what is missing",
        )
    detail = f"the index lists all {len(dists)} files with matching sha256"
    if unverifiable:
        detail += f" (no sha256 listed for {', '.join(unverifiable)})"
    return detail
