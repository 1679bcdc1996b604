"""The printed documents: 交办单, 督办单 and the notices to the petitioner, with their facts, layouts and fonts."""
