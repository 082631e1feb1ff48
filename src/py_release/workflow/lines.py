"""Line numbers in a workflow, from PyYAML's node marks: ``yaml.safe_load`` keeps none, but
``yaml.compose`` gives every node the place it was read from."""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _value(mapping: Node | None, *keys: str) -> tuple[Node, Node] | None:
    """The (key, value) nodes of the first of ``keys`` in a mapping node."""
    if not isinstance(mapping, MappingNode):
        return None
    for key, value in mapping.value:
        if isinstance(key, ScalarNode) and key.value in keys:
            return key, value
    return None


def _scalars(node: Node) -> Iterator[ScalarNode]:
    """Every scalar below ``node``, in the order of the text."""
    if isinstance(node, ScalarNode):
        yield node
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _scalars(key)
            yield from _scalars(value)


def _line_in_scalar(node: ScalarNode, needle: str) -> int:
    """The line where ``needle`` stands inside a (possibly multi-line) scalar."""
    text = str(node.value)
    before = text[: text.index(needle)]
    if node.style == "|":
        # A literal block starts on the line after its indicator and keeps every newline.
        return _line(node) + 1 + before.count("\n")
    if node.style == ">":
        return _line(node) + 1
    return _line(node)


class Lines:
    """Line numbers (1-based) of a workflow's keys, jobs, steps and the text in them; None
    where the text has no such node (or is not YAML at all)."""

    def __init__(self, text: str) -> None:
        try:
            self.root: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def top_key(self, *names: str) -> int | None:
        """The line of the first of these top-level keys."""
        found = _value(self.root, *names)
        return _line(found[0]) if found else None

    def _job(self, job_id: str) -> tuple[Node, Node] | None:
        jobs = _value(self.root, "jobs")
        return _value(jobs[1], job_id) if jobs else None

    def job(self, job_id: str) -> int | None:
        found = self._job(job_id)
        return _line(found[0]) if found else None

    def steps(self, job_id: str, count: int) -> list[int | None]:
        """The line of each of the job's steps that is a mapping (``count`` of them)."""
        job = self._job(job_id)
        steps = _value(job[1], "steps") if job else None
        found: list[int | None] = []
        if steps and isinstance(steps[1], SequenceNode):
            found = [_line(item) for item in steps[1].value if isinstance(item, MappingNode)]
        found = found[:count]
        return found + [None] * (count - len(found))

    def trigger(self, event: str) -> int | None:
        """The line naming ``event`` under ``on:`` (a mapping, a list or one event)."""
        # YAML 1.1 reads the key `on` as the boolean True; the node keeps the text.
        on = _value(self.root, "on", "true")
        if on is None:
            return None
        key, value = on
        if isinstance(value, MappingNode):
            found = _value(value, event)
            return _line(found[0]) if found else _line(key)
        if isinstance(value, SequenceNode):
            for item in value.value:
                if isinstance(item, ScalarNode) and item.value == event:
                    return _line(item)
        return _line(value) if isinstance(value, ScalarNode) else _line(key)

    def mention(self, needle: str, job_id: str) -> int | None:
        """The first line where a value of the job holds ``needle``, else anywhere in the
        workflow (an ``env:`` at the top); comments never count."""
        job = self._job(job_id)
        for scope in (job[1] if job else None, self.root):
            if scope is None:
                continue
            for scalar in _scalars(scope):
                if needle in scalar.value:
                    return _line_in_scalar(scalar, needle)
        return None
