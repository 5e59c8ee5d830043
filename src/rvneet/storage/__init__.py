"""The database layer's own helpers, below `rvneet.db` and above `domain`: the session's hooks
(the audit log written at flush, withdrawn records hidden) and the copies of the file made before
an upgrade or a restore. Nothing here imports `services`, `reports` or `cli`."""
