"""Use cases working on a session: register a youth, open a case, ... Each runs in one transaction."""
