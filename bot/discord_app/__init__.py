"""bot/discord_app."""
