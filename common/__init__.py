"""What crosses the boundaries between the stack's processes, defined once: languages,
reference formats, conversation tags and HTTP headers, safe logging, process supervision.

Every service imports from here; no service imports another service's modules.
"""
