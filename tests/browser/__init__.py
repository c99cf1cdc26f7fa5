"""Tests that open the app's HTML pages in a real headless Chromium."""
