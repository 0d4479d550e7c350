"""Start the whole stack: service registry, action server, Rasa server, and a console chat.

    python -m bot.stack              # train if there is no model, start everything, chat
    python -m bot.stack --no-chat    # start everything and keep serving until Ctrl-C
    python -m bot.stack --train      # retrain first, even if a model exists

Each process logs to var/logs/<name>.log. Ctrl-C (or SIGTERM) stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .settings import PROJECT_DIR, StackSettings

VENV_BIN = Path(sys.executable).parent
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    start_timeout: float
    health_url: str | None = None  # ready when this answers 200...
    ready_line: bytes | None = None  # ...or when its log shows this line


def services(settings: StackSettings) -> list[Service]:
    rasa = str(VENV_BIN / "rasa")
    rasa_command = [
        rasa,
        "run",
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
        "--auth-token",
        settings.rasa_api_token,
    ]
    stack = [
        Service(
            "registry",
            [sys.executable, "-m", "registry"],
            health_url=f"{settings.registry_url}/v1/health",
            env={
                "REGISTRY_HOST": settings.host,
                "REGISTRY_PORT": str(settings.registry_port),
                "REGISTRY_DB": str(settings.var_dir / "registry.db"),
                "REGISTRY_CATALOGUE_DIR": str(settings.registry_catalogue_dir),
            },
            start_timeout=30,
        ),
        Service(
            "actions",
            [rasa, "run", "actions", "--actions", "actions", "--port", str(settings.actions_port)],
            health_url=f"{settings.actions_url}/health",
            env={"REGISTRY_URL": settings.registry_url},
            start_timeout=90,
        ),
        Service(
            "rasa",
            rasa_command,
            # /status answers 200 only once the model is loaded.
            health_url=f"{settings.rasa_url}/status?token={settings.rasa_api_token}",
            env={
                "ACTION_ENDPOINT_URL": f"{settings.actions_url}/webhook",
                "TRACKER_DB": str(settings.var_dir / "conversations.db"),
                "CSA_PRIVACY_TOKEN": settings.privacy_token,
            },
            start_timeout=240,
        ),
        Service(
            "demo",
            [sys.executable, "-m", "demo"],
            health_url=f"{settings.demo_url}/healthz",
            env={
                "DEMO_HOST": settings.host,
                "DEMO_PORT": str(settings.demo_port),
                "RASA_URL": settings.rasa_url,
                "RASA_API_TOKEN": settings.rasa_api_token,
                "REGISTRY_URL": settings.registry_url,
            },
            start_timeout=30,
        ),
    ]
    if settings.telegram_enabled:
        stack.append(
            Service(
                "telegram",
                [sys.executable, "-m", "bot.telegram_channel"],
                env={"RASA_URL": settings.rasa_url, "CSA_PRIVACY_TOKEN": settings.privacy_token},
                start_timeout=60,
                ready_line=b"Telegram bridge ready",
            )
        )
    return stack


def environment_for(service: Service) -> dict[str, str]:
    """The launcher's environment, less the secrets this process has no use for (a service
    that needs one gets it in its own env)."""
    env = dict(os.environ)
    env.pop("RASA_API_TOKEN", None)
    if service.name != "telegram":
        env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


def has_model(settings: StackSettings) -> bool:
    return any(settings.models_dir.glob("*.tar.gz"))


def train(settings: StackSettings) -> None:
    print("Training the assistant's model (a few minutes on first start)...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--out", str(settings.models_dir)],
        cwd=PROJECT_DIR,
        env={**os.environ, **QUIET_TENSORFLOW},
        check=True,
    )
    print(f"Model trained in {time.monotonic() - started:.0f} s.", flush=True)


def is_ready(service: Service, log_path: Path, log_offset: int) -> bool:
    if service.ready_line is not None:
        with log_path.open("rb") as log:
            log.seek(log_offset)
            return service.ready_line in log.read()
    assert service.health_url is not None
    try:
        with urllib.request.urlopen(service.health_url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(
    service: Service, process: subprocess.Popen[bytes], log_path: Path, log_offset: int
) -> None:
    deadline = time.monotonic() + service.start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with log_path.open("rb") as log:
                log.seek(log_offset)
                lines = log.read().decode(errors="replace").strip().splitlines()
            last = f": {lines[-1]}" if lines else ""
            raise RuntimeError(
                f"{service.name} exited with code {process.returncode}{last} (log: {log_path})"
            )
        if is_ready(service, log_path, log_offset):
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"{service.name} did not answer within {service.start_timeout:.0f} s; see {log_path}"
    )


class Stack:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.processes: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def start(self) -> None:
        logs = self.settings.var_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for service in services(self.settings):
            log_path = logs / f"{service.name}.log"
            log_offset = log_path.stat().st_size if log_path.exists() else 0
            print(f"Starting {service.name}...", flush=True)
            with log_path.open("ab") as log_file:
                process = subprocess.Popen(
                    service.command,
                    cwd=PROJECT_DIR,
                    env={**environment_for(service), **QUIET_TENSORFLOW, **service.env},
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    # Ctrl-C reaches only the launcher, which stops each process in order.
                    start_new_session=True,
                )
            self.processes.append((service, process))
            wait_until_healthy(service, process, log_path, log_offset)
        if not self.settings.telegram_enabled:
            print(
                "Telegram bridge skipped: TELEGRAM_BOT_TOKEN is not set "
                "(see 'Talk to it on Telegram' in the README).",
                flush=True,
            )
        print(f"Demo page: {self.settings.demo_url}/", flush=True)
        print(
            f"Ready. Registry {self.settings.registry_url}/v1/services · "
            f"Rasa {self.settings.rasa_url}/webhooks/rest/webhook · logs in {logs}",
            flush=True,
        )

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for service, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print(f"{service.name} did not stop; killing it", flush=True)
                process.kill()
        self.processes.clear()

    def wait(self) -> None:
        """Serve until interrupted; if a process dies, say which and stop the rest."""
        while True:
            for service, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{service.name} stopped with code {process.returncode}")
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-chat", action="store_true", help="serve without the console chat")
    parser.add_argument("--train", action="store_true", help="retrain even if a model exists")
    args = parser.parse_args()
    settings = StackSettings.from_env()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    if args.train or not has_model(settings):
        train(settings)
    stack = Stack(settings)
    try:
        stack.start()
        if args.no_chat or not sys.stdin.isatty():
            stack.wait()
        else:
            from .console import chat

            chat(settings.rasa_url)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
