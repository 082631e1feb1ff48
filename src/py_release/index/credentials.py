"""What the upload authenticates with: a static password, or Trusted Publishing tokens that are
minted when first needed and minted again, with a fresh ID token, before they expire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from py_release.reporter import Reporter
from py_release.secrets import Secret

if TYPE_CHECKING:
    import requests

    from py_release.index.trusted_publishing import IdTokenSource, MintedToken

# Re-mint when less than this is left: an upload of a large file must not outlive its token.
RENEW_MARGIN = 120.0


class Credentials(Protocol):
    user: str

    def password(self) -> Secret | None:
        """The password to send now (a token that is still valid for a while)."""

    def renew(self) -> bool:
        """Get new credentials after the index called them expired; False when it cannot."""


class StaticCredentials:
    def __init__(self, user: str, password: Secret | None) -> None:
        self.user = user
        self._password = password

    def password(self) -> Secret | None:
        return self._password

    def renew(self) -> bool:
        return False


class TrustedPublishingCredentials:
    """``__token__`` with a minted token; every secret is masked the moment it exists."""

    user = "__token__"

    def __init__(
        self,
        *,
        session: requests.Session,
        base: str,
        audience: str,
        project: str,
        id_tokens: IdTokenSource,
        reporter: Reporter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._base = base
        self._audience = audience
        self._project = project
        self._id_tokens = id_tokens
        self._reporter = reporter
        self._clock = clock
        self._minted: MintedToken | None = None
        # Upload threads share one token; only one of them mints when it runs low.
        self._lock = threading.Lock()

    @property
    def expires_at(self) -> float | None:
        return self._minted.expires_at if self._minted else None

    def password(self) -> Secret:
        with self._lock:
            if self._minted is None or self._clock() + RENEW_MARGIN >= self._minted.expires_at:
                return self._mint()
            return self._minted.token

    def renew(self) -> bool:
        with self._lock:
            self._mint()
        return True

    def _mint(self) -> Secret:
        # Imported at the first mint: the exchange brings requests and the id library, which
        # a password run and the stages before the upload never need.
        from py_release.index.trusted_publishing import (
            mint_token,
            reusable_workflow_warning,
            unverified_claims,
        )

        id_token = self._id_tokens(self._audience)
        self._reporter.mask(id_token)
        if self._minted is None:
            warning = reusable_workflow_warning(unverified_claims(id_token))
            if warning:
                self._reporter.warning(warning, title="Potential workflow misconfiguration")
        minted = mint_token(self._session, self._base, id_token, project=self._project)
        self._reporter.mask(minted.token)
        if self._minted is not None:
            self._reporter.info("minted a fresh upload token (the previous one was expiring)")
        self._minted = minted
        return minted.token
