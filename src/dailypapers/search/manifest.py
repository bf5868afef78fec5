"""The manifest file beside an on-disk index: what the index holds, checked when it is opened.

Written atomically (temp file + rename), so a crash leaves the old manifest or the new one, never
half of one; an unreadable manifest reads as empty, which makes the index rebuild itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class ManifestMixin:
    path: Path

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def read_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError):
            return {}

    def write_manifest(self, manifest: dict) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest))
        os.replace(tmp, self.manifest_path)
