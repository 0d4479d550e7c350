"""Language handling shared by the NLU pipeline, the actions and the registry: which language
a message is written in, and Arabic text normalised for matching."""
