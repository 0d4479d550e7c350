"""Run the Rasa server: python -m assistant [rasa run options].

The same as `rasa run`, with two differences. Rasa's API token comes from the environment
(RASA_API_TOKEN) instead of the command line, where any local user could read it with ps.
And Rasa's log records are made safe before they are written: the user's text, slot values
and sender ids in Rasa's structured events are redacted, and reference numbers are masked
and control characters escaped in every line (common.logs).
"""

from __future__ import annotations

import os
import sys

from common.logs import install_safe_records

from .redaction import redact_user_content


def main() -> None:
    token = os.environ.get("RASA_API_TOKEN", "")
    if not token:
        print("error: RASA_API_TOKEN is not set; the assistant's API must not run open")
        sys.exit(2)
    install_safe_records()
    import rasa.__main__
    import rasa.utils.log_utils

    # configure_structlog() reads this name when Rasa's CLI runs: our processor in its place.
    rasa.utils.log_utils._anonymizer = redact_user_content
    # Rasa's CLI reads its options from sys.argv; the token is added here, in this process's
    # memory, so it never appears in the command line of the process.
    sys.argv = [sys.argv[0], "run", *sys.argv[1:], "--auth-token", token]
    rasa.__main__.main()


if __name__ == "__main__":
    main()
