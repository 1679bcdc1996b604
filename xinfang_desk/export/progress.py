"""Progress reports and cancellation for long exports (a 100,000-row 台账, a batch of 1,000 交办单).

The caller hands in ``progress(done, total)`` and ``cancelled() -> bool``; both are optional.  The
GUI's progress object may also raise its own exception from ``progress`` to stop the work; either way
the export removes its unfinished file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from xinfang_desk.ledger.errors import LedgerError, LedgerFileError

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


class ExportCancelled(LedgerError):
    """The user cancelled an export; no file was written."""

    def __init__(self) -> None:
        super().__init__("导出已取消，未生成文件。")


class Progress:
    """Reports ``done`` of ``total`` every ``every`` items and stops when the user cancels."""

    def __init__(
        self,
        total: int,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        *,
        every: int = 1000,
    ) -> None:
        self.total = total
        self._progress = progress
        self._cancelled = cancelled
        self._every = max(1, every)

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelled()

    def report(self, done: int) -> None:
        self.check()
        if self._progress is not None:
            self._progress(done, self.total)

    def step(self, done: int) -> None:
        """Report at every ``every``-th item (cheap to call for every item)."""
        if done % self._every == 0:
            self.report(done)


@contextlib.contextmanager
def file_written_whole(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` that becomes ``target`` only if the block succeeds.

    A cancelled or failed export leaves neither a half-written file nor a changed old one.
    """
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise LedgerFileError(f"文件夹不存在：{folder}。")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".part", dir=folder)
    except OSError as exc:
        raise LedgerFileError(f"无法在“{folder}”中写入文件：{exc.strerror or exc}。") from exc
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        try:
            os.replace(temporary, target)
        except PermissionError as exc:
            raise LedgerFileError(f"无法写入“{target}”：文件可能正在被其他程序（如 Excel）打开。") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
