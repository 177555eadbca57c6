"""The plain data a framework reader produces, and how a reader refuses a file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ImportRefused(ValueError):
    """A framework file that cannot be imported. The message names the file, the row
    (the header is row 1, as a spreadsheet numbers them) and the field."""

    def __init__(self, file: str, message: str, *, row: int | None = None, field: str = "") -> None:
        self.file, self.row, self.field = file, row, field
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field:
            where.append(field)
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class Source:
    """Where a record was read: file and row, for the messages of later checks."""

    file: str
    row: int


@dataclass(frozen=True)
class FrameworkSkill:
    uri: str  # the framework's identifier: ESCO concept URI, or onet:<element id>
    label: str
    description: str
    kind: str  # "skill" or "knowledge"
    alt_labels: tuple[str, ...] = ()
    source: Source | None = None


@dataclass(frozen=True)
class FrameworkRequirement:
    skill: FrameworkSkill
    level: int
    weight: int
    essential: bool
    # Why it has these values, in words, for the preview ("LV 5.25 → 4; IM 4.00 → 4").
    basis: str = ""


@dataclass
class FrameworkOccupation:
    uri: str
    title: str
    description: str
    alt_titles: tuple[str, ...] = ()
    requirements: list[FrameworkRequirement] = field(default_factory=list)
    # What the reader left out and why, in words ("Speaking: importance 2.88 below 3").
    left_out: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass(frozen=True)
class OccupationEntry:
    """One occupation as listed for choosing: its identifier, title and other titles."""

    uri: str
    title: str
    alt_titles: tuple[str, ...]
    code: str = ""


@dataclass(frozen=True)
class Framework:
    """What an import writes into the catalogue, beyond the occupations themselves."""

    key: str  # ContentSource value: "esco" or "onet"
    name: str
    attribution: str


class FrameworkFiles:
    """The framework's files, from a folder or from uploaded bytes (a zip or loose
    files), found by their base name so a zip's own folder layout does not matter."""

    def __init__(self, files: Mapping[str, bytes] | None = None, *, folder: Path | None = None):
        self._files = dict(files or {})
        self._folder = folder

    @classmethod
    def from_uploads(cls, uploads: Mapping[str, bytes]) -> FrameworkFiles:
        files: dict[str, bytes] = {}
        for name, content in uploads.items():
            if name.lower().endswith(".zip"):
                files |= _unzipped(name, content)
            else:
                files[Path(name).name] = content
        return cls(files)

    def names(self) -> list[str]:
        if self._folder is not None:
            return sorted(p.name for p in self._folder.iterdir() if p.is_file())
        return sorted(self._files)

    def has(self, name: str) -> bool:
        if self._folder is not None:
            return (self._folder / name).is_file()
        return name in self._files

    def as_zip(self, names: list[str]) -> bytes:
        """The named files in one zip, for keeping an upload between steps."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                if self.has(name):
                    archive.writestr(name, self._bytes(name))
        return buffer.getvalue()

    def _bytes(self, name: str) -> bytes:
        if self._folder is not None:
            path = self._folder / name
            if not path.is_file():
                raise ImportRefused(name, f"file not found in {self._folder}")
            return path.read_bytes()
        if name not in self._files:
            raise ImportRefused(name, "file missing from the upload")
        return self._files[name]

    def rows(
        self, name: str, *, required: tuple[str, ...], delimiter: str = ","
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Each record of a delimited file as (row number, {column: value}), columns by
        header name: extra columns are ignored, a missing one is refused."""
        try:
            text = self._bytes(name).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused(name, "not UTF-8 text", row=None) from exc
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
        header = [column.strip() for column in next(reader, [])]
        missing = [column for column in required if column not in header]
        if missing:
            raise ImportRefused(
                name, f"column missing from the header: {', '.join(missing)}", row=1
            )
        for row_number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if len(values) < len(header):
                # A short line: the field after its last value is the one missing.
                raise ImportRefused(
                    name,
                    f"{len(values)} values for {len(header)} columns",
                    row=row_number,
                    field=header[len(values)],
                )
            yield row_number, dict(zip(header, values, strict=False))


def _unzipped(name: str, content: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {
                Path(member.filename).name: archive.read(member)
                for member in archive.infolist()
                if not member.is_dir() and not Path(member.filename).name.startswith(".")
            }
    except zipfile.BadZipFile as exc:
        raise ImportRefused(name, "not a zip file") from exc


def labels_in(cell: str) -> tuple[str, ...]:
    """The labels of a multi-label cell: ESCO puts one a line (some exports use " | ")."""
    parts = cell.replace(" | ", "\n").splitlines()
    return tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))


def required_value(file: str, row: int, values: Mapping[str, str], column: str) -> str:
    value = values.get(column, "").strip()
    if not value:
        raise ImportRefused(file, "empty", row=row, field=column)
    return value
