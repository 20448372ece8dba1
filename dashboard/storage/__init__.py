"""The Delta Lake store: tables, snapshots, filtered reads, maintenance. Imports only data_contracts."""
