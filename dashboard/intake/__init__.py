"""From a quarterly file to committed slices: reading, checks, ingest, review and publish, reference tables, seeding."""
