"""The calendar feed: a user's matches and series as an iCalendar file behind a token."""
