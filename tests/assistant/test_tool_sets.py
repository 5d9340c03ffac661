"""A new tool set (calendar, reminders, an integration's) needs one line in crm/toolbox.py: the
assistant's wrapper types and names its records without knowing them."""

from types import SimpleNamespace

from crm.assistant.agent import agent
from crm.assistant.tools import entity_type_of, label_of
from crm.toolbox import TOOLS


def test_every_toolbox_tool_is_offered_to_the_agent():
    offered = set(agent._function_toolset.tools)  # the agent's tools, built once at import
    assert offered == set(TOOLS)


def test_records_of_tools_the_wrapper_does_not_know_are_typed_and_named():
    assert entity_type_of("create_event") == "event"
    assert entity_type_of("snooze_reminder") == "reminder"
    assert entity_type_of("add_task_to_project") == "task"
    assert entity_type_of("assign_project_member") == "project"
    assert label_of(SimpleNamespace(title="Standup")) == "Standup"
    assert label_of(SimpleNamespace(message="Call Jane", title=None)) == "Call Jane"
    assert label_of(SimpleNamespace(id=1)) is None
