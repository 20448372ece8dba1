"""The pages: thin scripts that wire widgets to cached reads and blocks (one per route)."""
