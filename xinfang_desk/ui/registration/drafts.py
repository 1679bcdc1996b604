"""Keeping what is typed in 登记 as a draft on disk, and offering it back after a crash or restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from xinfang_desk.ui.drafts import DraftStore

DRAFT_NAME = "registration"
DRAFT_DELAY_MS = 600


class DraftKeeper(QObject):
    """Writes the form's values a moment after each edit; never overwrites a draft not yet offered."""

    def __init__(
        self,
        store: DraftStore,
        actor: str,
        values: Callable[[], dict[str, Any]],
        unsaved: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.values = values
        self.unsaved = unsaved
        #: False while a draft from before is still to be offered.
        self.checked = not store.exists(DRAFT_NAME)
        self.question: QMessageBox | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DELAY_MS)
        self.timer.timeout.connect(self.flush)

    def schedule(self) -> None:
        self.timer.start()

    def flush(self) -> str:
        """Keep what is typed now (or drop the draft when nothing is); returns a problem, or ""."""
        if not self.checked:
            return ""
        self.timer.stop()
        try:
            if self.unsaved():
                self.store.save(DRAFT_NAME, self.values(), actor=self.actor)
            else:
                self.store.discard(DRAFT_NAME)
        except OSError as exc:
            return f"无法保存登记草稿：{exc.strerror or exc}"
        return ""

    def discard(self) -> None:
        self.timer.stop()
        self.store.discard(DRAFT_NAME)

    def offer(
        self, parent: QWidget, blank: dict[str, Any], restore: Callable[[dict[str, Any]], None]
    ) -> None:
        """Ask whether to restore a draft left by a crash or an earlier session."""
        if self.checked or self.question is not None:
            return
        draft = self.store.load(DRAFT_NAME)
        if draft is None or {**blank, **draft.fields} == blank:
            self.checked = True
            return
        box = QMessageBox(
            QMessageBox.Icon.Question, "恢复登记草稿", "发现未保存的登记草稿，是否恢复？", parent=parent
        )
        box.setInformativeText(f"草稿保存于 {draft.saved_at:%Y-%m-%d %H:%M}。")
        restore_button = box.addButton("恢复", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("丢弃", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(restore_button)

        def answered(_result: int) -> None:
            self.question = None
            self.checked = True
            if box.clickedButton() is restore_button:
                restore(draft.fields)
                self.flush()
            else:
                self.store.discard(DRAFT_NAME)

        box.finished.connect(answered)
        self.question = box
        box.open()
