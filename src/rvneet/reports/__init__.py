"""Reports: queries that build plain data, and renderers that print it. No personal data."""
