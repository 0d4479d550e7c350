"""Channels and process wiring: the stack launcher and the console chat (Telegram comes here)."""
