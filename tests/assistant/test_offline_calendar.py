"""The offline interpreter's calendar sentences and times (no database)."""

from datetime import date, datetime, timedelta

import pytest

from crm.assistant.offline import Interpreter, understand
from crm.assistant.offline_calendar import duration_of, online_of, split_when


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("remind me Friday at 9 to call Jane", "create_reminder",
         {"when": "Friday at 9", "what": "call Jane"}),
        ("remind me to call Jane on Friday", "create_reminder", {"rest": "call Jane on Friday"}),
        ("what's on my calendar tomorrow?", "list_calendar", {"when": "tomorrow"}),
        ("What is on my calendar?", "list_calendar", {}),
        ("schedule a call with Acme next Tuesday 3pm for 30 minutes", "schedule_event",
         {"rest": "call with Acme next Tuesday 3pm for 30 minutes"}),
        ("move the call with Acme to Wednesday 4pm", "move_event",
         {"event": "call with Acme", "when": "Wednesday 4pm"}),
        ("cancel the call with Acme", "cancel_event", {"event": "call with Acme"}),
    ],
)  # fmt: skip
def test_calendar_sentences_are_understood(text, intent, slots):
    assert understand(text) == (intent, slots)


def test_a_phrase_splits_into_what_when_and_how_long():
    rest, length = duration_of("call with Acme next Tuesday 3pm for 30 minutes")
    assert length == timedelta(minutes=30)
    assert split_when(rest) == ("call with Acme", "next Tuesday 3pm")
    assert duration_of("demo for an hour") == ("demo", timedelta(hours=1))
    assert split_when("call Jane on Friday at 9") == ("call Jane", "on Friday at 9")


@pytest.mark.parametrize(
    ("said", "rest", "online"),
    [
        ("call with Acme tomorrow at 3 as a Teams call", "call with Acme tomorrow at 3", True),
        ("call with Acme tomorrow at 3 as a Teams meeting", "call with Acme tomorrow at 3", True),
        ("demo on Friday with a Meet link for an hour", "demo on Friday for an hour", True),
        ("review next Tuesday 3pm on Google Meet", "review next Tuesday 3pm", True),
        ("catch-up tomorrow at 9 online", "catch-up tomorrow at 9", True),
        ("Teams call with Acme tomorrow", "call with Acme tomorrow", True),
        ("review of the online shop tomorrow", "review of the online shop tomorrow", False),
        ("call with Acme on Friday", "call with Acme on Friday", False),
    ],
)  # fmt: skip
def test_an_online_meeting_is_read_from_the_words_that_ask_for_one(said, rest, online):
    assert online_of(said) == (rest, online)


def test_times_are_read_in_the_users_time_zone_from_their_today():
    wednesday = date(2026, 11, 25)
    reader = Interpreter(entities=[], time_zone="Europe/Paris", user_id=None, today=wednesday)
    assert reader.moment("Friday at 9") == datetime(2026, 11, 27, 9, 0)
    assert reader.moment("next Tuesday 3pm") == datetime(2026, 12, 1, 15, 0)
    assert reader.moment("tomorrow") == datetime(2026, 11, 26, 9, 0)  # a day alone: 09:00
    assert reader.moment("tomorrow at 3") == datetime(2026, 11, 26, 15, 0)  # the afternoon
    assert reader.moment("tomorrow at 3am") == datetime(2026, 11, 26, 3, 0)
    assert reader.moment("not a time at all") is None
