"""Commands registered on the `rvneet case` group and the root app (filled in by issue 3 work)."""
