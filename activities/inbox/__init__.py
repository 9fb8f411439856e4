"""Mailbox ingestion (issue 13): MIME parsing, the IMAP session, OAuth tokens and the sync activity."""
