"""Access tokens (JWT, HS256 pinned, 15 minutes) and opaque refresh and invite tokens."""

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from crm.errors import Unauthorized
from crm.kit.secrets import derive_key

ALGORITHM = "HS256"
AUDIENCE = "crm"
ACCESS = "access"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    issued_at: int
    expires_at: int


class TokenSigner:
    """Signs with the first server secret, verifies with any of them (key rotation)."""

    def __init__(self, secrets_: list[str], access_minutes: int) -> None:
        self.keys = [derive_key(s, "crm jwt") for s in secrets_]
        self.access_lifetime = timedelta(minutes=access_minutes)
        # A client sends the same token with every request for its 15 minutes, and PyJWT's
        # parsing of it (about 30 µs here, 0.1 ms within a request) is the same each time: the
        # claims of a token whose signature checked are kept, by the token itself, and only
        # its expiry is checked again. A failed check is never kept.
        self._verified = lru_cache(maxsize=4096)(self._verify)

    def issue_access(self, user_id: uuid.UUID, workspace_id: uuid.UUID) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "wid": str(workspace_id),
            "aud": AUDIENCE,
            "typ": ACCESS,
            "iat": now,
            "exp": now + self.access_lifetime,
        }
        return jwt.encode(claims, self.keys[0], algorithm=ALGORITHM)

    def verify_access(self, token: str) -> AccessClaims:
        claims = self._verified(token)
        if claims.expires_at <= time.time():
            raise Unauthorized("The access token has expired; refresh it.")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        for key in self.keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    audience=AUDIENCE,
                    options={"require": ["exp", "iat", "sub", "aud", "typ"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError as exc:
                raise Unauthorized("The access token has expired; refresh it.") from exc
            except jwt.InvalidTokenError as exc:
                raise Unauthorized("The access token is invalid.") from exc
            if claims["typ"] != ACCESS:
                raise Unauthorized("The token is not an access token.")
            try:
                return AccessClaims(
                    uuid.UUID(claims["sub"]),
                    uuid.UUID(claims["wid"]),
                    int(claims["iat"]),
                    int(claims["exp"]),
                )
            except (KeyError, ValueError, TypeError) as exc:
                raise Unauthorized("The access token is invalid.") from exc
        raise Unauthorized("The access token is invalid.")


def new_opaque_token() -> tuple[str, str]:
    """A random token for the client and the SHA-256 the server keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
