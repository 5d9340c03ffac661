"""How the pages name the records' enumerations, and the tone of each one's pill (a colour
of app.css: gray, blue, green, amber, red). The API speaks the slugs."""

from crm.models import ProjectStatus, TaskPriority, TaskStatus

Choice = tuple[str, str]  # (label, tone)

PROJECT_STATUS: dict[str, Choice] = {
    ProjectStatus.planned: ("Planned", "gray"),
    ProjectStatus.in_progress: ("In progress", "blue"),
    ProjectStatus.on_hold: ("On hold", "amber"),
    ProjectStatus.completed: ("Completed", "green"),
    ProjectStatus.cancelled: ("Cancelled", "red"),
}
TASK_STATUS: dict[str, Choice] = {
    TaskStatus.todo: ("To do", "gray"),
    TaskStatus.in_progress: ("In progress", "blue"),
    TaskStatus.blocked: ("Blocked", "red"),
    TaskStatus.done: ("Done", "green"),
}
PRIORITY: dict[str, Choice] = {
    TaskPriority.low: ("Low", "gray"),
    TaskPriority.medium: ("Medium", "blue"),
    TaskPriority.high: ("High", "amber"),
    TaskPriority.urgent: ("Urgent", "red"),
}


def options(choices: dict[str, Choice]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select."""
    return [(str(value), label) for value, (label, _) in choices.items()]
