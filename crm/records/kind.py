"""A kind of record as every list of kinds reads it: activity, search, the palette, the
assistant's reading, names and evals, the links of events and reminders, reminder delivery.
The registry of them all is `crm.records.kinds.KINDS`."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from crm.kit.tools import Tool


@dataclass(frozen=True)
class RecordKind:
    name: str  # as the activity log, the search index and the tools name it: "contact"
    plural: str
    model: type
    # Its service (a crm.records.service.RecordService for the kinds on the base) and tools.
    service: Any = None
    tools: Sequence[Tool] = field(default=(), repr=False)
    # Its page, `{}` standing for the record's id; a record of a kind without one is a card.
    link: str | None = None
    # Its own pages (/contacts/{id}), which the palette and the assistant's cards link to.
    pages: bool = False
    icon: str | None = None  # the palette's
    searchable: bool = False  # by name: the palette, the offline interpreter's names
    linkable: bool = False  # events and reminders may name one (`contact_id`...)
    links: tuple[str, ...] = ()  # the kinds its records link to
    # The assistant's group of its tools: what they do, and the words (regular expressions) of
    # a message about them; a kind without words has its tools grouped by crm.assistant.groups.
    about: str = ""
    words: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def key(self) -> str:
        """The field that links to one: "contact_id"."""
        return f"{self.name}_id"

    def url(self, record_id: Any) -> str | None:
        return self.link.format(record_id) if self.link else None


class Registry:
    """The kinds in the order people see them listed (contacts first)."""

    def __init__(self, *kinds: RecordKind) -> None:
        self._kinds = {kind.name: kind for kind in kinds}

    def __iter__(self) -> Iterator[RecordKind]:
        return iter(list(self._kinds.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __getitem__(self, name: str) -> RecordKind:
        return self._kinds[name]

    def get(self, name: str | None) -> RecordKind | None:
        return self._kinds.get(name) if name else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    @property
    def searchable(self) -> list[RecordKind]:
        return [kind for kind in self if kind.searchable]

    @property
    def linkable(self) -> list[RecordKind]:
        return [kind for kind in self if kind.linkable]

    def in_link_order(self) -> list[RecordKind]:
        """Each kind after those it links to (organizations before contacts): the order to
        create records in; reversed, the most specific first (a task before its project)."""
        placed: dict[str, RecordKind] = {}

        def place(kind: RecordKind) -> None:
            for name in kind.links:
                if name not in placed and name in self._kinds:
                    place(self._kinds[name])
            placed.setdefault(kind.name, kind)

        for kind in self:
            place(kind)
        return list(placed.values())

    @contextmanager
    def adding(self, kind: RecordKind) -> Iterator[RecordKind]:
        """The registry with one more kind for a while (a test's)."""
        self._kinds[kind.name] = kind
        try:
            yield kind
        finally:
            del self._kinds[kind.name]
