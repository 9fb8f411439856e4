"""Mailbox syncing (issue 13 Build 2): the ``MailboxSync`` workflow and its typed activity calls."""
