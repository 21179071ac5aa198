"""Persistence: tables, the database, the journal's hash chain and due-timer queries."""
