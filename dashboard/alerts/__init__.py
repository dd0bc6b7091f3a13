"""Alerts: pure rules (rules.py), evaluation inside the charge's transaction (engine.py), texts (text.py)."""
