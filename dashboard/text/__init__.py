"""Words and numbers shown to people: the message catalogue (i18n, messages/), display formats, carrier instructions."""
