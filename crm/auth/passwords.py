"""Password hashing (argon2id through pwdlib) and the password rules."""

from functools import lru_cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from crm.errors import Invalid

MIN_LENGTH = 10
hasher = PasswordHash((Argon2Hasher(),))


@lru_cache
def _unknown_user_hash() -> str:
    """Verified when the e-mail is unknown, so that a login takes the same time either way."""
    return hasher.hash("no account has this password")


@lru_cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def check_password_rules(password: str, *, email: str, field: str = "password") -> None:
    """Raise Invalid naming `field` when the password is too short or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise Invalid(field, f"must be at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        raise Invalid(field, "is too common; choose a less predictable password")
    if lowered in (email.lower(), email.split("@")[0].lower()):
        raise Invalid(field, "must not be your e-mail address")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        hasher.verify(password, _unknown_user_hash())
        return False
    return hasher.verify(password, password_hash)
