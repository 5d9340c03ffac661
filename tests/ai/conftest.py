"""The provider tests make real SDK requests, all to the local server in fake_providers.py (or
to addresses that refuse connections), so model requests are allowed here."""

import pytest
from pydantic_ai import models


@pytest.fixture(autouse=True)
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
