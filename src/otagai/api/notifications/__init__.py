"""/v1/me/notification-settings: which notifications I get, and my quiet hours."""
