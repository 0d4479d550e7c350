"""Service registry: the single source of truth for services, agencies, offices and life events."""
