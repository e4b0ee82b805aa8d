"""Feed API, dashboard, exports and the sharing rules."""
