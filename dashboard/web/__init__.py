"""Routes outside Dash: login and registration, security (guard, CSRF, headers), password re-entry, the
mailed block-now page and downloads."""
