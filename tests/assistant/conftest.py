"""The assistant's tests never reach a real model: requests to any non-test model fail, and the
app answers with the offline interpreter unless a test gives it a scripted model."""

import pytest
from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture(autouse=True)
def offline(request: pytest.FixtureRequest):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    app.state.choose_model = lambda settings: (None, "offline")
    yield
    del app.state.choose_model
