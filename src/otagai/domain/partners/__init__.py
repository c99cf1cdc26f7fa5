"""Partner municipalities (連携自治体): their API keys and dashboard links."""
