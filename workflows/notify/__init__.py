"""Notifications (issue 15 Build 7; seed 000 §2): the ``Notify`` workflow delivers one event by
email through the outbox and by Standard Webhooks to the tenant's endpoints."""
