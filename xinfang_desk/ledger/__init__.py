"""The ledger core: domain vocabulary, persistence, workflow, deadlines and figures (no Qt here)."""
