"""Telegram front end: relays each Telegram conversation to the Rasa server's REST webhook."""
