"""Folders rvneet makes for itself: its data, log and state folders and the levels above them."""

from __future__ import annotations

from pathlib import Path


def make_private_dir(path: Path) -> None:
    """Create `path`, and each missing folder above it, readable by its owner only (0700).

    `Path.mkdir(parents=True, mode=0o700)` gives the mode to the last folder alone: the ones above
    it get 0777 less the umask, which is 0777 under umask 000. A folder that already exists is
    left as it is. Raises OSError as `mkdir` does (a file in the way, no permission).
    """
    if path.is_dir():
        return
    if path.parent != path and not path.parent.is_dir():
        make_private_dir(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise
        return  # made meanwhile by another process: its mode is not ours to change
    path.chmod(0o700)  # mkdir's mode only loses bits to the umask; this also fixes an odd umask
