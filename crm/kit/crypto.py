"""Encryption at rest for the secrets the CRM stores (model providers' API keys, later OAuth
tokens): AES-256-GCM under keys derived from CRM_SECRET_KEY.

CRM_SECRET_KEY is a list: the first key encrypts, every key decrypts. A stored value names the
key that sealed it, so after a new key is put first, old values still open and `crm keys rotate`
re-seals them under the new one; then the old key can be dropped from the list.

A sealed value reads `v1.<key id>.<base64url(nonce | ciphertext and tag)>`. The key id is the
first 8 hex digits of SHA-256 over the derived key: it tells which key to use, not the key.
Each value is bound to its place (`context`, for example "ai_setting.api_key") as associated
data, so a value copied into another column does not decrypt.
"""

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm.config import Settings
from crm.kit.secrets import derive_key, load_secret_keys

VERSION = "v1"
PURPOSE = "crm:encryption-at-rest:v1"
NONCE_BYTES = 12


class UndecryptableSecret(Exception):
    """A stored secret that none of the configured keys opens (its key was removed from
    CRM_SECRET_KEY, or the value was altered)."""


class SecretBox:
    """Seals and opens stored secrets with the server's keys."""

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one secret key is needed")
        self._keys: list[tuple[str, AESGCM]] = []
        for secret in secrets:
            key = derive_key(secret, PURPOSE)
            self._keys.append((hashlib.sha256(key).hexdigest()[:8], AESGCM(key)))

    @classmethod
    def from_settings(cls, settings: Settings) -> "SecretBox":
        return cls(load_secret_keys(settings))

    @property
    def current_key_id(self) -> str:
        return self._keys[0][0]

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Seal `plaintext` under the first key, bound to `context`."""
        key_id, aead = self._keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{VERSION}.{key_id}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Open a sealed value with the key it names."""
        version, key_id, body = _split(token)
        if version != VERSION:
            raise UndecryptableSecret(f"unknown format {version!r}")
        aead = next((a for kid, a in self._keys if kid == key_id), None)
        if aead is None:
            raise UndecryptableSecret(
                f"sealed with key {key_id}, which is not in CRM_SECRET_KEY any more"
            )
        try:
            raw = _b64decode(body)
            plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise UndecryptableSecret("the value was altered or is not for this place") from exc
        return plain.decode()

    def is_current(self, token: str) -> bool:
        """Whether `token` is already sealed under the first key."""
        try:
            version, key_id, _ = _split(token)
        except UndecryptableSecret:
            return False
        return version == VERSION and key_id == self.current_key_id

    def reseal(self, token: str, *, context: str) -> str | None:
        """The value sealed under the first key, or None when it already is."""
        if self.is_current(token):
            return None
        return self.encrypt(self.decrypt(token, context=context), context=context)


def mask(secret: str) -> str:
    """How a saved secret is shown: its start and its last four characters (`sk-…3f9a`)."""
    secret = secret.strip()
    if len(secret) < 12:
        return "…" + secret[-2:] if len(secret) > 4 else "…"
    prefix = secret[:3] if secret[:3].isascii() else ""
    return f"{prefix}…{secret[-4:]}"


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise UndecryptableSecret("not a sealed value")
    return parts[0], parts[1], parts[2]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
