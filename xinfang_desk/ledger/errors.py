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


class PermissionDenied(LedgerError):
    """The acting user's role does not allow the operation; nothing was changed."""


class AuthenticationError(LedgerError):
    """A wrong user name or password, a locked or disabled account, or an invalid token."""
