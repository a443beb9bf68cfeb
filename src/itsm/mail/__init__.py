"""Email in: an IMAP mailbox read into tickets and comments (``itsm mail fetch``)."""
