"""Municipal statistics for partner municipalities (JSON and CSV)."""
