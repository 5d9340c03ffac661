"""A new tool set (calendar, reminders, an integration's) needs one line in crm/toolbox.py: the
assistant's wrapper types and names its records without knowing them."""

from types import SimpleNamespace

from crm.assistant.agent import agent
from crm.assistant.groups import crm_groups
from crm.assistant.tools import entity_type_of, label_of
from crm.toolbox import TOOLS


def test_every_toolbox_tool_is_offered_to_the_agent():
    # The core on every request, each other tool in the group of its record kind.
    core, groups = crm_groups()
    offered = set(agent._function_toolset.tools)
    assert offered == {t.name for t in core}
    for group in groups:
        offered |= set(group.toolset.tools)
    assert offered == set(TOOLS)
    assert {c.id for c in agent.root_capability.capabilities if c.defer_loading} >= {
        g.spec.id for g in groups
    }


def test_records_of_tools_the_wrapper_does_not_know_are_typed_and_named():
    assert entity_type_of("create_event") == "event"
    assert entity_type_of("snooze_reminder") == "reminder"
    assert entity_type_of("add_task_to_project") == "task"
    assert entity_type_of("assign_project_member") == "project"
    assert label_of(SimpleNamespace(title="Standup")) == "Standup"
    assert label_of(SimpleNamespace(message="Call Jane", title=None)) == "Call Jane"
    assert label_of(SimpleNamespace(id=1)) is None
