"""WSGI entry for production: `gunicorn -w 2 'dashboard.wsgi:server'` (run `microbill db upgrade` first)."""

from dashboard.app import create_app

app = create_app()
server = app.server
