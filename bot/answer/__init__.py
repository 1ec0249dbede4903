"""bot/answer."""
