"""Errors the ledger raises; each carries a message in Chinese that can be shown to the user as is."""


class LedgerError(Exception):
    """Base of every error the ledger reports to a user; ``str(err)`` is a Chinese sentence."""


class LedgerFileError(LedgerError):
    """The ledger file is missing, unreadable, not a ledger, or from a newer program."""


class WorkflowError(LedgerError):
    """A step that the case's current state does not allow; nothing was changed."""


class ValidationError(LedgerError):
    """A field's value is not acceptable (bad ID number, impossible date, empty summary …)."""


class NotFoundError(LedgerError):
    """A case, department or category that the caller named does not exist."""


class LedgerBusyError(LedgerError):
    """Another program (or window) is writing to the ledger; the same step may succeed in a moment."""


class LedgerDamagedError(LedgerFileError):
    """The ledger file failed its integrity check: it is not used for writing or exporting."""


class LedgerInUseError(LedgerError):
    """The ledger is open in the app elsewhere (a lock file says who, where and since when)."""


class CaseChangedError(LedgerError):
    """Someone else changed the case between reading and saving it; nothing of this step was saved."""


class PermissionDenied(LedgerError):
    """The acting user's role does not allow the operation; nothing was changed."""


class AuthenticationError(LedgerError):
    """A wrong user name or password, a locked or disabled account, or an invalid token."""


class BackupToolUnavailable(LedgerError):
    """The database's own backup tool is missing here or refused the work (the reason is the message):
    the ledger is then copied row by row into a ledger file instead."""


class ServerPasswordError(LedgerFileError):
    """The ledger's database server wants a password for its account: none was given (``missing``), or
    the one given was refused.  Nothing was opened."""

    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing


class UpgradeCancelled(LedgerError):
    """The user cancelled an older ledger's upgrade at opening: it was rolled back, the ledger is as it was
    (its older schema, every case) and is not open."""
