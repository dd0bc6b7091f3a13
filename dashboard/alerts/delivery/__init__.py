"""Alert delivery: mail (mailer.py), webhook (webhook.py), composed in content.py, driven by the
Notification outbox (outbox.py) after the alert's transaction has committed."""
