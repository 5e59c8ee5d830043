"""rvneet: the case book and statistics desk for the Ringist välja and NEET cooperation models."""

__version__ = "0.1.0"
