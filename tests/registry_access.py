"""How tests call the registry as the action server does: its token and one conversation."""

REGISTRY_TOKEN = "registry-test-token"
CITIZEN = "citizen-test"
CITIZEN_HEADERS = {"Authorization": f"Bearer {REGISTRY_TOKEN}", "X-Conversation-Id": CITIZEN}
