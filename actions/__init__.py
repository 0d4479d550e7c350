"""Custom actions of the citizen-service assistant (Rasa SDK action server)."""
