"""Activity reports (援助活動報告書): drafting, deciding, reading (JSON or PDF), the CSV."""
