"""What operators watch: Prometheus metrics (metrics.py) and JSON logs with a request id (logs.py)."""
