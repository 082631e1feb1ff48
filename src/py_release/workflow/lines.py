"""Best-effort line numbers in a workflow's text (``yaml.safe_load`` keeps none)."""

from __future__ import annotations

import re


class Lines:
    """Line numbers (1-based) of keys and steps, found in the workflow's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: str, start: int = 0) -> int | None:
        regex = re.compile(pattern)
        for number in range(start, len(self.lines)):
            if regex.search(self.lines[number]):
                return number + 1
        return None

    def job(self, job_id: str) -> int | None:
        jobs = self.find(r"^jobs\s*:")
        if jobs is None:
            return None
        return self.find(rf"^\s+['\"]?{re.escape(job_id)}['\"]?\s*:", jobs)

    def steps(self, job_line: int | None, count: int) -> list[int | None]:
        found: list[int | None] = []
        steps = self.find(r"^\s*steps\s*:", job_line or 0) if job_line else None
        if steps is not None:
            indent: int | None = None
            for number in range(steps, len(self.lines)):
                line = self.lines[number]
                stripped = line.lstrip()
                if not stripped or stripped.startswith("#"):
                    continue
                here = len(line) - len(stripped)
                if indent is None:
                    if not stripped.startswith("-"):
                        break
                    indent = here
                if here < indent or (here == indent and not stripped.startswith("-")):
                    break
                if here == indent:
                    found.append(number + 1)
        found = found[:count]
        return found + [None] * (count - len(found))
