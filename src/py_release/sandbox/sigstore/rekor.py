"""The local Rekor (API v1): a transparency log that takes ``dsse`` 0.0.1 entries whose
signatures verify under the certificate they name, appends them to an RFC 6962 Merkle tree,
and answers each with what a Sigstore verifier checks offline: the inclusion proof, a
checkpoint signed as a note by the log's key, and the signed entry timestamp (SET)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.sigstore.ca import key_id
from py_release.sandbox.sigstore.merkle import audit_path, leaf_hash, tree_head

NOTE_NAME = "py-release-sandbox-rekor"  # the signer's name on checkpoints (no spaces)


class RekorRefusal(Exception):
    """Rekor's JSON error: ``{"code": <HTTP status>, "message": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _canonical(data: dict[str, Any]) -> bytes:
    """RFC 8785 JSON of what Rekor signs and logs. Every value here is an ASCII string, an
    integer or an object of those, for which RFC 8785 is JSON with sorted keys and no spaces."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding, which is what the envelope's signatures sign."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def dsse_body(proposal: object) -> bytes:
    """The canonical ``dsse`` 0.0.1 entry for a proposed entry; raises :class:`RekorRefusal`
    (400) unless it is one whose every signature verifies under one of its verifiers."""
    if not isinstance(proposal, dict):
        raise RekorRefusal(400, "the request body must be a JSON object")
    if proposal.get("kind") != "dsse" or proposal.get("apiVersion") != "0.0.1":
        raise RekorRefusal(
            400,
            f"unsupported entry type {proposal.get('kind')!r} version "
            f"{proposal.get('apiVersion')!r}: this log takes dsse 0.0.1",
        )
    try:
        content = proposal["spec"]["proposedContent"]
        envelope_text: str = content["envelope"]
        envelope = json.loads(envelope_text)
        payload_type: str = envelope["payloadType"]
        payload = base64.b64decode(envelope["payload"], validate=True)
        signatures = [base64.b64decode(s["sig"], validate=True) for s in envelope["signatures"]]
        verifiers = [
            x509.load_pem_x509_certificate(base64.b64decode(v, validate=True))
            for v in content["verifiers"]
        ]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise RekorRefusal(400, f"malformed dsse entry: {exc!r}") from None
    if not isinstance(payload_type, str) or not signatures or not verifiers:
        raise RekorRefusal(400, "a dsse entry needs a payload type, signatures and verifiers")
    pae = _pae(payload_type, payload)
    logged = []
    for signature in signatures:
        verifier = next((c for c in verifiers if _verifies(c, signature, pae)), None)
        if verifier is None:
            raise RekorRefusal(
                400, "verifying signature: the DSSE signature does not verify with any verifier"
            )
        logged.append(
            {
                "signature": base64.b64encode(signature).decode(),
                "verifier": base64.b64encode(
                    verifier.public_bytes(serialization.Encoding.PEM)
                ).decode(),
            }
        )
    spec = {
        "envelopeHash": {
            "algorithm": "sha256",
            "value": hashlib.sha256(envelope_text.encode()).hexdigest(),
        },
        "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
        "signatures": logged,
    }
    return _canonical({"apiVersion": "0.0.1", "kind": "dsse", "spec": spec})


def _verifies(certificate: x509.Certificate, signature: bytes, data: bytes) -> bool:
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class _Entry:
    index: int
    uuid: str
    body: bytes
    integrated_time: int
    signed_entry_timestamp: str


class Rekor:
    """The log: its P-256 key, its Merkle tree, and the endpoints of Rekor's v1 API that a
    Sigstore client uses (``POST /api/v1/log/entries``) or may read (the log info, an entry by
    UUID or index)."""

    def __init__(self, *, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.log_id = key_id(self.key.public_key())
        self.tree_id = secrets.randbits(62)
        self._lock = threading.Lock()
        self._leaves: list[bytes] = []
        self._entries: list[_Entry] = []
        self._by_uuid: dict[str, _Entry] = {}

    @property
    def size(self) -> int:
        with self._lock:
            return len(self._leaves)

    @property
    def origin(self) -> str:
        return f"{NOTE_NAME} - {self.tree_id}"

    def add(self, proposal: object) -> dict[str, Any]:
        """Log a proposed entry; ``{uuid: entry}`` as Rekor answers. Raises
        :class:`RekorRefusal` for an invalid entry (400) or one already logged (409)."""
        body = dsse_body(proposal)
        leaf = leaf_hash(body)
        uuid = f"{self.tree_id:016x}{leaf.hex()}"
        with self._lock:
            if uuid in self._by_uuid:
                raise RekorRefusal(
                    409, f"an equivalent entry already exists in the log with UUID {uuid}"
                )
            index = len(self._leaves)
            integrated_time = int(self._clock())
            promise = {
                "body": base64.b64encode(body).decode(),
                "integratedTime": integrated_time,
                "logID": self.log_id.hex(),
                "logIndex": index,
            }
            signed = self.key.sign(_canonical(promise), ec.ECDSA(hashes.SHA256()))
            entry = _Entry(index, uuid, body, integrated_time, base64.b64encode(signed).decode())
            self._leaves.append(leaf)
            self._entries.append(entry)
            self._by_uuid[uuid] = entry
            return self._answer(entry)

    def _answer(self, entry: _Entry) -> dict[str, Any]:
        """The entry as the API shows it, proven against the current tree (lock held)."""
        size = len(self._leaves)
        root = tree_head(self._leaves)
        proof = {
            "logIndex": entry.index,
            "treeSize": size,
            "rootHash": root.hex(),
            "hashes": [h.hex() for h in audit_path(entry.index, self._leaves)],
            "checkpoint": self._checkpoint(size, root),
        }
        return {
            entry.uuid: {
                "body": base64.b64encode(entry.body).decode(),
                "integratedTime": entry.integrated_time,
                "logID": self.log_id.hex(),
                "logIndex": entry.index,
                "verification": {
                    "signedEntryTimestamp": entry.signed_entry_timestamp,
                    "inclusionProof": proof,
                },
            }
        }

    def _checkpoint(self, size: int, root: bytes) -> str:
        """The tree head as a signed note: the text, a blank line, and one signature line
        ``— <name> base64(key id[:4] + signature)``."""
        note = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = self.key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        stamp = base64.b64encode(self.log_id[:4] + signature).decode()
        return f"{note}\n\u2014 {NOTE_NAME} {stamp}\n"

    # -- HTTP ------------------------------------------------------------------------------

    def create_entry(self, request: Request) -> Response:
        try:
            proposal = json.loads(request.get_data())
        except ValueError:
            proposal = None
        try:
            answer = self.add(proposal)
        except RekorRefusal as refusal:
            return json_response(
                {"code": refusal.status, "message": refusal.message}, status=refusal.status
            )
        (uuid,) = answer
        response = json_response(answer, status=201)
        response.headers["Location"] = f"/api/v1/log/entries/{uuid}"
        response.headers["ETag"] = uuid
        return response

    def entry_by_uuid(self, request: Request, uuid: str) -> Response:
        with self._lock:
            entry = self._by_uuid.get(uuid) or self._by_uuid.get(f"{self.tree_id:016x}{uuid}")
            answer = self._answer(entry) if entry is not None else None
        return self._found(answer)

    def entry_by_index(self, request: Request) -> Response:
        index = request.args.get("logIndex", "")
        with self._lock:
            found = index.isdigit() and int(index) < len(self._entries)
            answer = self._answer(self._entries[int(index)]) if found else None
        return self._found(answer)

    def log_info(self, request: Request) -> Response:
        with self._lock:
            size = len(self._leaves)
            root = tree_head(self._leaves)
        return json_response(
            {
                "rootHash": root.hex(),
                "treeSize": size,
                "signedTreeHead": self._checkpoint(size, root),
                "treeID": str(self.tree_id),
                "inactiveShards": [],
            }
        )

    @staticmethod
    def _found(answer: dict[str, Any] | None) -> Response:
        if answer is None:
            return json_response({"code": 404, "message": "entry not found"}, status=404)
        return json_response(answer)
