"""Benchmarks of rvneet and the synthetic case books they run on (`make bench`, bench/results.md)."""
