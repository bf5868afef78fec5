"""The report of an ingest run: what was created, updated, unchanged, rejected (and why), deleted."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)  # first few (location, reason)
    reason_counts: dict[str, int] = field(default_factory=dict)

    MAX_KEPT_REJECTIONS = 50

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected + self.deleted

    def reject(self, location: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < self.MAX_KEPT_REJECTIONS:
            self.rejections.append((location, reason))
        kind = reason.split(":", 1)[0]
        self.reason_counts[kind] = self.reason_counts.get(kind, 0) + 1

    def summary(self) -> str:
        return (
            f"{self.source}: {self.seen} records: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
            + (f", {self.deleted} deleted" if self.deleted else "")
        )
