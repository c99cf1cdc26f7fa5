"""The municipal dashboard: an HTML page for municipal staff, opened by a signed link."""
