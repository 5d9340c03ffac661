"""The server's secret keys: CRM_SECRET_KEY (a list: the first signs and encrypts, all verify),
or one generated in the data directory on first run."""

import os
import secrets
from pathlib import Path

from crm.config import Settings


def load_secret_keys(settings: Settings) -> list[str]:
    if settings.crm_secret_key is not None:
        keys = [k.strip() for k in settings.crm_secret_key.get_secret_value().split(",")]
        keys = [k for k in keys if k]
        if not keys or any(len(k) < 32 for k in keys):
            raise ValueError(
                "CRM_SECRET_KEY must hold keys of at least 32 characters, separated by commas "
                "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return keys
    return [_data_dir_key(settings.crm_data_dir)]


def _data_dir_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = data_dir / f".secret_key.{os.getpid()}"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(key)
    # link() is atomic and fails if the file exists: two first runs agree on one key.
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose (JWT signing, encryption at rest) from a server secret."""
    # Imported here: `crm serve` checks the keys (load_secret_keys) before the app is imported.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )
