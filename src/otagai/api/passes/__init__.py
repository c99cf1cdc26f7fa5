"""The pickup pass page: nursery staff open a pass's link in a browser (no account)."""
