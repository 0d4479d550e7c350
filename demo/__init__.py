"""The stage demo: a web chat with a live "behind the scenes" view of each message."""
