"""Insurance claims an incident opens (operators)."""
