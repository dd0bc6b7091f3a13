"""Simulated outside systems (no network, no money): the card gateway, virtual accounts and a stand-in
merchant for `microbill simulate`."""
