"""HTTP load for `make bench`: gunicorn with the project's gunicorn.conf.py, and wrk from a
second process on loopback (scripts/ensure-wrk.sh installs it)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("wrk_report.lua")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    load_s: float

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (the master's children), in MiB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes


@contextmanager
def serve(
    app: str, database_url: str, log: Path, *, checkout: Path = ROOT, **env: str
) -> Iterator[Server]:
    """``gunicorn -c gunicorn.conf.py APP`` on a free port, its stderr to ``log``; the
    load time is from start to the first answer of /healthz. ``checkout``: serve the code
    of another checkout of the project (its own .venv), with this one's configuration."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    environ.update(
        PATH=f"{BIN}{os.pathsep}{environ.get('PATH', '')}",
        DATABASE_URL=database_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        **env,
    )
    started = time.perf_counter()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [str(checkout / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             app],
            cwd=checkout, env=environ, stdout=sink, stderr=sink,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited; see {log}")
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"gunicorn {app} did not answer within 60 s; see {log}")
            time.sleep(0.05)
        yield Server(url, process, time.perf_counter() - started)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(
    wrk_path: str,
    server: Server,
    requests: Sequence[tuple[str, str | None]],
    *,
    connections: int,
    seconds: float,
) -> dict[str, Any]:
    """Drive ``requests`` (path, token), round-robin, with ``connections`` open
    connections for ``seconds``; what wrk measured, with req/s."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for path, token in requests:
            listing.write(f"{path}\t{token or ''}\n")
    try:
        threads = 1 if connections == 1 else 2
        run = subprocess.run(
            [wrk_path, f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--latency",
             "-s", str(LUA), server.url, "--", listing.name],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        os.unlink(listing.name)
    [line] = [x for x in run.stdout.splitlines() if x.startswith("{")]
    result: dict[str, Any] = json.loads(line)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result
