import pytest
from pydantic import BaseModel, ValidationError

from crm.contacts.service import normalize_phone
from crm.errors import PreconditionFailed
from crm.kit.etags import etag, parse_if_match, require_version
from crm.kit.records import METADATA_MAX_BYTES, Day, Metadata


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ("*", None),
        ('"3"', {3}),
        ('W/"3"', {3}),
        ('"3", "4"', {3, 4}),
        ('"abc"', set()),
        ('"²"', set()),
        ("", set()),
    ],
)
def test_if_match_parsing(header, versions):
    parsed = parse_if_match(header)
    assert parsed == (None if versions is None else frozenset(versions))


def test_a_stale_version_is_412_with_the_current_etag():
    require_version(2, None)
    require_version(2, frozenset({2}))
    with pytest.raises(PreconditionFailed) as raised:
        require_version(2, frozenset({1}))
    assert raised.value.headers == {"ETag": etag(2)} == {"ETag": '"2"'}


class Record(BaseModel):
    metadata: Metadata = {}
    due_date: Day | None = None


def test_metadata_up_to_16_kb_serialized_is_accepted_and_one_byte_more_is_not():
    overhead = len('{"k":""}')
    Record(metadata={"k": "x" * (METADATA_MAX_BYTES - overhead)})
    with pytest.raises(ValidationError) as raised:
        Record(metadata={"k": "x" * (METADATA_MAX_BYTES - overhead + 1)})
    assert raised.value.errors()[0]["loc"] == ("metadata",)
    with pytest.raises(ValidationError):  # a multi-byte character counts as its UTF-8 bytes
        Record(metadata={"k": "é" * ((METADATA_MAX_BYTES - overhead) // 2 + 1)})


@pytest.mark.parametrize("text", ["2027-02-29", "27-01-01", "2027-01-01T00:00:00", "tomorrow"])
def test_dates_must_be_real_and_written_yyyy_mm_dd(text):
    with pytest.raises(ValidationError):
        Record.model_validate_json(f'{{"due_date": "{text}"}}')
    assert Record.model_validate_json('{"due_date": "2028-02-29"}').due_date.day == 29


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+1-650-253-0000", "+16502530000"),
        ("020 7946 0958", "020 7946 0958"),
        ("+1 2", "+1 2"),
        ("call the office", "call the office"),
        ("+44 20 7946 0958 ext. 7", "+44 20 7946 0958 ext. 7"),
        (None, None),
    ],
)
def test_phones_are_e164_when_they_parse_else_as_typed(typed, stored):
    assert normalize_phone(typed) == stored
