import pytest

from crm.kit.crypto import SecretBox, UndecryptableSecret, mask

OLD = "old-secret-" + "o" * 40
NEW = "new-secret-" + "n" * 40


def test_a_sealed_value_opens_and_does_not_show_the_secret():
    box = SecretBox([OLD])
    sealed = box.encrypt("sk-ant-api03-abcdef123456", context="ai_setting.api_key:w1")
    assert "abcdef" not in sealed
    assert sealed.startswith(f"v1.{box.current_key_id}.")
    assert box.decrypt(sealed, context="ai_setting.api_key:w1") == "sk-ant-api03-abcdef123456"


def test_sealing_twice_gives_different_values():
    box = SecretBox([OLD])
    assert box.encrypt("same", context="c") != box.encrypt("same", context="c")


def test_a_value_moved_to_another_place_does_not_open():
    box = SecretBox([OLD])
    sealed = box.encrypt("sk-secret-value", context="ai_setting.api_key:w1")
    with pytest.raises(UndecryptableSecret):
        box.decrypt(sealed, context="ai_setting.api_key:w2")


def test_an_altered_value_does_not_open():
    box = SecretBox([OLD])
    sealed = box.encrypt("sk-secret-value", context="c")
    head, body = sealed.rsplit(".", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(UndecryptableSecret):
        box.decrypt(f"{head}.{flipped}", context="c")


def test_after_rotation_old_values_open_and_new_ones_use_the_first_key():
    sealed_old = SecretBox([OLD]).encrypt("sk-one", context="c")
    rotated = SecretBox([NEW, OLD])
    assert rotated.decrypt(sealed_old, context="c") == "sk-one"
    assert not rotated.is_current(sealed_old)
    resealed = rotated.reseal(sealed_old, context="c")
    assert resealed is not None and rotated.is_current(resealed)
    assert rotated.reseal(resealed, context="c") is None
    assert SecretBox([NEW]).decrypt(resealed, context="c") == "sk-one"


def test_a_value_whose_key_was_dropped_says_so():
    sealed = SecretBox([OLD]).encrypt("sk-one", context="c")
    with pytest.raises(UndecryptableSecret, match="not in CRM_SECRET_KEY"):
        SecretBox([NEW]).decrypt(sealed, context="c")


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("sk-proj-abcdefghijklmnop3f9a", "sk-…3f9a"),
        ("AIzaSyD-1234567890abcdXYZ1", "AIz…XYZ1"),
        ("short12", "…12"),
        ("abc", "…"),
    ],
)
def test_mask_shows_only_the_start_and_the_last_four(secret, shown):
    assert mask(secret) == shown
