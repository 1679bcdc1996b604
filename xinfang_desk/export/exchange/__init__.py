"""The Excel exchange, out and in: the 台账 layout, its identity and checksum, writing, reading, merge, import."""
