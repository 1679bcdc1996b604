"""xinfang_desk: an offline desktop 信访台账 (petition case ledger) for Chinese universities."""

__version__ = "0.1.0"
