"""VAPID keys (RFC 8292): the P-256 key pair that identifies this desk to push services.

``itsm push keys`` makes one; the private key stays in a file only its owner reads
(``push.vapid_private_key_file``), browsers get the public key when they subscribe.
A key file that is missing or not a P-256 private key is a settings error naming it.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from itsm.errors import N_, ConfigError, Conflict

_SETTING = "push.vapid_private_key_file"


def b64url(raw: bytes) -> str:
    """Base64url without padding, as the Push API and VAPID spell keys."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def generate() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as browsers take it (``applicationServerKey``): the uncompressed
    point, base64url."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def write(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    """Write ``key`` as PEM to a new file readable by its owner only; never replace one."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            N_(
                "%(path)s exists already: a new key would stop every subscribed browser; "
                "choose another --out"
            ),
            path=str(path),
        ) from None
    except OSError as exc:
        raise ConfigError(
            N_("cannot write %(path)s: %(reason)s"), path=str(path), reason=exc.strerror
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def load(path: Path) -> ec.EllipticCurvePrivateKey:
    """The private key in ``path``; :class:`ConfigError` naming the setting if it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            N_("invalid setting %(setting)s: cannot read %(path)s: %(reason)s"),
            setting=_SETTING,
            path=str(path),
            reason=exc.strerror,
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigError(
            N_(
                "invalid setting %(setting)s: %(path)s is not a PEM private key without a "
                "password (make one with itsm push keys)"
            ),
            setting=_SETTING,
            path=str(path),
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError(
            N_(
                "invalid setting %(setting)s: %(path)s is not a P-256 (prime256v1) key, "
                "which VAPID requires (make one with itsm push keys)"
            ),
            setting=_SETTING,
            path=str(path),
        )
    return key
