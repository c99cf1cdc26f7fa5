"""The real Firebase Auth emulator (firebase-tools from tools/node), on free ports.

``scripts/ensure-node-tools.sh`` installs firebase-tools at the locked version (``npm ci``,
a minute or two the first time) and prints the tools/node directory. The emulator starts
offline with a temporary firebase.json naming free ports for the auth emulator, the hub
and the logging endpoint, so parallel runs never collide, and stops with its whole process
group.

Its REST API is the one the mobile app's Firebase SDK calls: ``accounts:signUp`` and
``accounts:signInWithPassword`` answer real emulator ID tokens (unsigned, ``alg: none``),
which carry the user's custom claims as of that sign-in.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120.0  # seconds; it starts in ~10 s, far slower on a busy machine


class EmulatorUnavailable(Exception):
    """firebase-tools cannot be installed or run here (no Node, npm or network)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def node_tools() -> Path:
    """tools/node with its tools installed (scripts/ensure-node-tools.sh: firebase-tools,
    openapi-typescript, tsc; Node and npm from apt when missing), or EmulatorUnavailable
    with the reason."""
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "ensure-node-tools.sh")],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EmulatorUnavailable("scripts/ensure-node-tools.sh took over 600 s") from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["scripts/ensure-node-tools.sh failed"]
        raise EmulatorUnavailable(lines[-1])
    return Path(done.stdout.strip())


@dataclass
class AuthEmulator:
    host: str  # host:port, as FIREBASE_AUTH_EMULATOR_HOST takes it
    project_id: str

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, admin: bool = True
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if admin:  # the emulator's stand-in for a service account's OAuth token
            headers["Authorization"] = "Bearer owner"
        request = urllib.request.Request(
            f"http://{self.host}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()!r}") from exc
        return json.loads(raw) if raw else None

    def sign_up(self, email: str, password: str = "correct horse") -> dict[str, Any]:
        """What the app's ``createUserWithEmailAndPassword`` gets: idToken, localId..."""
        answer: dict[str, Any] = self._call(
            "POST",
            "/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake",
            {"email": email, "password": password, "returnSecureToken": True},
            admin=False,
        )
        return answer

    def sign_in(self, email: str, password: str = "correct horse") -> dict[str, Any]:
        """A fresh ID token, carrying the custom claims the user has now."""
        answer: dict[str, Any] = self._call(
            "POST",
            "/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake",
            {"email": email, "password": password, "returnSecureToken": True},
            admin=False,
        )
        return answer

    def set_claims(self, uid: str, claims: dict[str, Any]) -> None:
        """Custom claims set behind the CLI's back (as another admin tool would)."""
        self._call(
            "POST",
            f"/identitytoolkit.googleapis.com/v1/projects/{self.project_id}/accounts:update",
            {"localId": uid, "customAttributes": json.dumps(claims)},
        )

    def claims_of(self, uid: str) -> dict[str, Any]:
        """The custom claims the emulator holds for the user."""
        answer = self._call(
            "POST",
            f"/identitytoolkit.googleapis.com/v1/projects/{self.project_id}/accounts:lookup",
            {"localId": [uid]},
        )
        claims: dict[str, Any] = json.loads(answer["users"][0].get("customAttributes") or "{}")
        return claims

    def reset(self) -> None:
        """Forget every account."""
        self._call("DELETE", f"/emulator/v1/projects/{self.project_id}/accounts")


def _wait_until_ready(emulator: AuthEmulator, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the auth emulator exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://{emulator.host}/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: ready
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the auth emulator did not start in time:\n{log.read_text()}")


@contextmanager
def auth_emulator(tools: Path, project_id: str) -> Iterator[AuthEmulator]:
    """The emulator of ``tools`` (see node_tools()) running for the block."""
    firebase = tools / "node_modules" / ".bin" / "firebase"
    port, hub, logging = free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="otagai-auth-emulator-") as workdir:
        config = Path(workdir) / "firebase.json"
        config.write_text(
            json.dumps(
                {
                    "emulators": {
                        "auth": {"host": "127.0.0.1", "port": port},
                        "hub": {"host": "127.0.0.1", "port": hub},
                        "logging": {"host": "127.0.0.1", "port": logging},
                        "ui": {"enabled": False},
                        "singleProjectMode": True,
                    }
                }
            )
        )
        log = Path(workdir) / "emulator.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(firebase),
                    "emulators:start",
                    "--only",
                    "auth",
                    "--project",
                    project_id,
                    "--config",
                    str(config),
                ],
                cwd=workdir,  # firebase-debug.log lands here, not in the repo
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
                env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
            )
        emulator = AuthEmulator(host=f"127.0.0.1:{port}", project_id=project_id)
        try:
            _wait_until_ready(emulator, process, log)
            yield emulator
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
