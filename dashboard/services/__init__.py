"""Use cases: one unit of work per feature, shared by pages, the REST API and the CLI."""
