"""Request and response schemas per API area (separate from the table models)."""
