"""Sending a filing and following it up: e-mail drafts, SMTP, the ledger, the status list."""
