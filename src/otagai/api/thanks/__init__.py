"""Match lifecycle (complete, cancel) and thank-yous (謝礼)."""
