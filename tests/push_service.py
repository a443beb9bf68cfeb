"""A web push service in the test process: a real HTTP server on loopback that keeps what
the desk posts, answers as the test says, checks the VAPID signature (RFC 8292) and
decrypts each message (RFC 8291, aes128gcm) with the keys of a browser made here.

The decryption is written from the RFCs with ``cryptography``, not with the library the
desk encrypts with, so that a mistake in one is not hidden by the same one in the other.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass
class Browser:
    """A subscribed browser: its endpoint on the service, its key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(_point(self.private_key.public_key()))

    @property
    def path(self) -> str:
        return urlsplit(self.endpoint).path

    def subscription(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives."""
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 section 3.4 and RFC 8188: one record, the sender's key in the header."""
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20]), body[20]
        sender = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert record_size >= len(ciphertext), "one record is all a push message has"
        shared = self.private_key.exchange(
            ec.ECDH(),
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender),
        )
        info = b"WebPush: info\x00" + _point(self.private_key.public_key()) + sender
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth, info=info).derive(shared)
        cek = HKDF(hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00")
        nonce = HKDF(hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00")
        plain = AESGCM(cek.derive(ikm)).decrypt(nonce.derive(ikm), ciphertext, None)
        text = plain.rstrip(b"\x00")
        assert text.endswith(b"\x02"), "the last record ends with the delimiter 0x02"
        return text[:-1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    base: str = ""
    received: list[Received] = field(default_factory=list)
    #: path -> status to answer (default 201 Created, as push services do).
    answers: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def browser(self, name: str) -> Browser:
        return Browser(endpoint=f"{self.base}/push/{name}")

    def to(self, browser: Browser) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == browser.path]

    def messages(self, browser: Browser) -> list[dict[str, Any]]:
        """What ``browser`` was sent, decrypted."""
        found: list[dict[str, Any]] = []
        for request in self.to(browser):
            found.append(json.loads(browser.decrypt(request.body)))
        return found


def vapid_claims(authorization: str, *, endpoint: str, public_key: str) -> dict[str, Any]:
    """The JWT claims of a ``vapid t=…, k=…`` header, after checking its ES256 signature
    with ``public_key`` (the desk's), its audience and its expiry (RFC 8292)."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key
    head, claims, signature = parts["t"].split(".")
    raw = b64url_decode(signature)
    assert len(raw) == 64, "ES256 signs with r || s, 32 bytes each"
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    assert json.loads(b64url_decode(head)) == {"typ": "JWT", "alg": "ES256"}
    found: dict[str, Any] = json.loads(b64url_decode(claims))
    origin = urlsplit(endpoint)
    assert found["aud"] == f"{origin.scheme}://{origin.netloc}"
    assert time.time() < found["exp"] <= time.time() + 24 * 3600
    return found


@contextmanager
def push_service() -> Iterator[PushService]:
    service = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with service._lock:
                service.received.append(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                    )
                )
            status = service.answers.get(self.path, 201)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
