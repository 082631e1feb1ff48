"""Suite-wide: no test's captured output may contain a secret the suite handed out."""

from __future__ import annotations

from collections.abc import Generator

import pluggy
import pytest

from tests.secrets_registry import leaked_in


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when != "teardown":
        return
    for title, content in report.sections:  # captured stdout, stderr and log of every phase
        leaks = leaked_in(content)
        if leaks:
            report.outcome = "failed"
            report.longrepr = f"a secret leaked into {title}: {leaks}"
            return
