"""The frameworks the admin can import, each with its files, listing and reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roles.importers import esco, onet
from roles.importers.framework import (
    Framework,
    FrameworkFiles,
    FrameworkOccupation,
    OccupationEntry,
)


@dataclass(frozen=True)
class FrameworkKind:
    framework: Framework
    columns: Mapping[str, str]
    files: tuple[str, ...]  # every file the import reads
    required: tuple[str, ...]  # the ones it cannot do without
    occupations: Callable[[FrameworkFiles], list[OccupationEntry]]
    reader: Callable[..., list[FrameworkOccupation]]

    def missing(self, files: FrameworkFiles) -> list[str]:
        return [name for name in self.required if not files.has(name)]

    def read(
        self, files: FrameworkFiles, chosen: Sequence[str], *, optional: bool = False
    ) -> list[FrameworkOccupation]:
        options: dict[str, Any] = {"optional": optional} if self.framework.key == "esco" else {}
        return self.reader(files, chosen, **options)


KINDS = {
    "esco": FrameworkKind(
        framework=esco.ESCO,
        columns=esco.COLUMNS,
        files=esco.FILES,
        required=esco.FILES,
        occupations=esco.esco_occupations,
        reader=esco.esco_read,
    ),
    "onet": FrameworkKind(
        framework=onet.ONET,
        columns=onet.COLUMNS,
        files=onet.FILES,
        required=(onet.OCCUPATION_DATA, onet.SKILLS, onet.KNOWLEDGE),
        occupations=onet.onet_occupations,
        reader=onet.onet_read,
    ),
}
