"""Start the whole stack: service registry, action server, Rasa server, demo page, and a
console chat (and the Telegram bridge when TELEGRAM_BOT_TOKEN is set).

    python -m bot.stack              # train if there is no model, start everything, chat
    python -m bot.stack --no-chat    # start everything and keep serving until Ctrl-C
    python -m bot.stack --train      # retrain first, even if a model exists

Each process logs to var/logs/<name>.log and listens on CSA_HOST only. A process that dies
is restarted (common.processes.Supervisor) while the others keep serving. Ctrl-C (or
SIGTERM) stops them all. Secrets reach each process through its environment only.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common.processes import Service, Supervisor
from common.rasa_rest import HEALTH_PATH, webhook_url

from .settings import PROJECT_DIR, SECRET_VARIABLES, StackSettings

VENV_BIN = Path(sys.executable).parent
# TensorFlow's start-up notes, Python's deprecation warnings and Rasa's telemetry notice are
# expected on this stack and say nothing to a user: kept out of the screen and the logs.
QUIET_TENSORFLOW = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
    "RASA_TELEMETRY_ENABLED": "false",
}


def services(settings: StackSettings) -> list[Service]:
    python = sys.executable
    registry_access = {"REGISTRY_URL": settings.registry_url}
    registry_secrets = {"CSA_REGISTRY_TOKEN": settings.registry_token}
    tag_key = {"CSA_CONVERSATION_TAG_KEY": settings.conversation_tag_key}
    stack = [
        Service(
            "registry",
            [python, "-m", "registry"],
            health_url=f"{settings.registry_url}/v1/health",
            env={
                "REGISTRY_HOST": settings.host,
                "REGISTRY_PORT": str(settings.registry_port),
                "REGISTRY_DB": str(settings.var_dir / "registry.db"),
                "REGISTRY_CATALOGUE_DIR": str(settings.registry_catalogue_dir),
            },
            secret_env=registry_secrets,
            start_timeout=30,
        ),
        Service(
            "actions",
            [python, "-m", "actions"],
            health_url=f"{settings.actions_url}/health",
            env={
                "ACTIONS_HOST": settings.host,
                "ACTIONS_PORT": str(settings.actions_port),
                **registry_access,
            },
            secret_env={
                "CSA_ACTION_TOKEN": settings.action_token,
                **registry_secrets,
                **tag_key,
            },
            start_timeout=90,
        ),
        Service(
            "rasa",
            [
                python,
                "-m",
                "assistant",
                "--enable-api",
                "--interface",
                settings.host,
                "--port",
                str(settings.rasa_port),
                "--model",
                str(settings.models_dir),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            # The REST channel answers once the model is loaded (Rasa loads it before serving).
            health_url=settings.rasa_url + HEALTH_PATH,
            env={
                "ACTION_ENDPOINT_URL": f"{settings.actions_url}/webhook",
                "TRACKER_DB": str(settings.var_dir / "conversations.db"),
                "CSA_HOST": settings.host,
                **registry_access,
            },
            secret_env={
                "RASA_API_TOKEN": settings.rasa_api_token,
                "CSA_PRIVACY_TOKEN": settings.privacy_token,
                "CSA_ACTION_TOKEN": settings.action_token,
                **registry_secrets,
                **tag_key,
            },
            start_timeout=240,
        ),
        Service(
            "demo",
            [python, "-m", "demo"],
            health_url=f"{settings.demo_url}/healthz",
            env={
                "DEMO_HOST": settings.host,
                "DEMO_PORT": str(settings.demo_port),
                "RASA_URL": settings.rasa_url,
                **registry_access,
            },
            secret_env={"RASA_API_TOKEN": settings.rasa_api_token, **registry_secrets, **tag_key},
            start_timeout=30,
        ),
    ]
    if settings.telegram_enabled:
        stack.append(
            Service(
                "telegram",
                [python, "-m", "bot.telegram_channel"],
                env={
                    "RASA_URL": settings.rasa_url,
                    "TELEGRAM_STATE_FILE": str(settings.var_dir / "telegram-state.pickle"),
                },
                secret_env={
                    "CSA_PRIVACY_TOKEN": settings.privacy_token,
                    **{
                        name: os.environ[name]
                        for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
                        if name in os.environ
                    },
                },
                start_timeout=60,
                ready_line=b"Telegram bridge ready",
            )
        )
    return stack


def inherited_environment() -> dict[str, str]:
    """The launcher's environment without its secrets (each service gets its own)."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    return {**env, **QUIET_TENSORFLOW}


def has_model(settings: StackSettings) -> bool:
    return any(settings.models_dir.glob("*.tar.gz"))


def train(settings: StackSettings) -> None:
    print(
        "Training the assistant's model (about five minutes on two cores; Rasa prints only "
        "errors and its last line)...",
        flush=True,
    )
    started = time.monotonic()
    subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--domain",
            "domain",
            "--out",
            str(settings.models_dir),
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env=inherited_environment(),
        check=True,
    )
    print(f"Model trained in {time.monotonic() - started:.0f} s.", flush=True)


def start(settings: StackSettings, supervisor: Supervisor) -> None:
    for service in services(settings):
        print(f"Starting {service.name}...", flush=True)
        supervisor.start(service)
        print(f"{service.name} is up.", flush=True)
    if not settings.telegram_enabled:
        print(
            "Telegram bridge skipped: TELEGRAM_BOT_TOKEN is not set "
            "(see 'Talk to it on Telegram' in the README).",
            flush=True,
        )
    print(f"Demo page: {settings.demo_url}/", flush=True)
    print(
        f"Ready. Registry {settings.registry_url}/v1/services · "
        f"Rasa {webhook_url(settings.rasa_url)} · logs in {supervisor.log_dir}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-chat", action="store_true", help="serve without the console chat")
    parser.add_argument("--train", action="store_true", help="retrain even if a model exists")
    args = parser.parse_args()
    settings = StackSettings.from_env()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    if args.train or not has_model(settings):
        train(settings)
    supervisor = Supervisor(
        PROJECT_DIR,
        settings.var_dir / "logs",
        inherited_environment(),
        say=lambda line: print(line, flush=True),
    )
    try:
        start(settings, supervisor)
        if args.no_chat or not sys.stdin.isatty():
            supervisor.serve()
        else:
            from .console import chat

            end_watching = supervisor.watch_in_background()
            try:
                chat(settings.rasa_url)
            finally:
                end_watching()
            print(
                f"The chat is closed; the stack keeps serving (demo page {settings.demo_url}/). "
                "Press Ctrl-C to stop it.",
                flush=True,
            )
            supervisor.serve()
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        supervisor.stop()


if __name__ == "__main__":
    main()
