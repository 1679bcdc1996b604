"""Unsaved form entries kept on disk, so a crash or a closed window never loses a visitor's details.

A draft is a small JSON file in the user's data folder (``drafts/<ledger's digest>/``), in a folder only
the user can enter, readable by the user only: it holds a visitor's name, ID and phone, and must not
travel with a ledger copied to a shared drive.  Each save writes a new file and renames it over the
old one after flushing it to disk, so a crash leaves either the old or the new draft, never half of
one.  Saving a case removes its draft.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.paths import data_dir
from xinfang_desk.private_files import private_folder

DRAFT_FORMAT = 1


@dataclass(frozen=True)
class Draft:
    """A kept entry: the form's values and when they were kept."""

    fields: dict[str, Any]
    saved_at: datetime
    actor: str = ""


class DraftStore:
    """Drafts by name (e.g. ``registration``) in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_ledger(cls, ledger: Ledger) -> DraftStore:
        digest = hashlib.sha256(ledger.location_key.encode()).hexdigest()[:16]
        return cls(data_dir() / "drafts" / digest)

    def _file(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def save(self, name: str, fields: dict[str, Any], *, actor: str = "") -> None:
        """Keep ``fields`` (JSON-able values) as the draft ``name``, replacing the previous one."""
        private_folder(base=self.folder)
        record = {
            "format": DRAFT_FORMAT,
            "saved_at": datetime.now().isoformat(timespec="seconds"),
            "actor": actor,
            "fields": fields,
        }
        fd, temp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self._file(name))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def load(self, name: str) -> Draft | None:
        """The kept draft, or None when there is none or it cannot be read."""
        try:
            record = json.loads(self._file(name).read_text(encoding="utf-8"))
            fields = record["fields"]
            if record.get("format") != DRAFT_FORMAT or not isinstance(fields, dict):
                return None
            return Draft(fields, datetime.fromisoformat(record["saved_at"]), str(record.get("actor", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def discard(self, name: str) -> None:
        self._file(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._file(name).exists()
