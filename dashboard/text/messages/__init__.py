"""The message catalogue, one module per feature (each defines MESSAGES = {key: (ko, en)})."""
