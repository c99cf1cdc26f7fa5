"""The calendar feed: its token (/v1/me/calendar-token) and the feed itself (/ical)."""
