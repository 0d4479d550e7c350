"""Code that runs inside the Rasa server: its launcher (python -m assistant), the input
channels it opens (checked REST webhook, privacy) and their log redaction.

The NLU components that run inside it live in language/ (language.rasa_components)."""
