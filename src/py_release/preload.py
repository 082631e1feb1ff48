"""Import the later stages' modules in a background thread while the build runs.

A build spends most of its time waiting for the backend's subprocesses, with the interpreter
idle. The stages after it import twine, requests, readme-renderer, pypi-simple's pydantic
models and, when signing, sigstore: half a second to a second of imports that would otherwise
start only when the build is done. Importing them during the build hides that time on any
runner with a second core (every GitHub-hosted one).

The thread only imports: it never touches a file, the network or a credential, and a module
that fails to import here is imported again, with its real error, where it is used.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator, Sequence


def _import_all(modules: Sequence[str], first: Callable[[], None] | None = None) -> None:
    if first is not None:
        # Broad on purpose: work started here reports its own errors to the stage that takes
        # its result.
        with contextlib.suppress(Exception):
            first()
    for module in modules:
        # Broad on purpose too: whatever went wrong is raised again, where it belongs, by the
        # stage that imports the module for real.
        with contextlib.suppress(Exception):
            importlib.import_module(module)


@contextlib.contextmanager
def preloading(modules: Sequence[str], first: Callable[[], None] | None = None) -> Iterator[None]:
    """Import ``modules`` in a background thread for the duration of the block; before them,
    call ``first`` there, to start background work that waits on the network (it imports
    what it needs itself, and must not block: the imports follow).

    The block's end waits for the imports: after it only one thread imports again, so two
    threads never race through a package whose modules import each other.
    """
    if not modules:
        if first is not None:
            first()
        yield
        return
    thread = threading.Thread(
        target=_import_all, args=(tuple(modules), first), name="py-release-preload", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        thread.join()
