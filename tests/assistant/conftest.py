"""The assistant's tests never reach a real model (tests/conftest.py forbids model requests), and
the app answers with the offline interpreter unless a test gives it a scripted model."""

import pytest


@pytest.fixture(autouse=True)
def offline(request: pytest.FixtureRequest):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    app.state.choose_model = lambda settings: (None, "offline")
    yield
    del app.state.choose_model
