"""Measurement helpers for the benchmarks: wall time to a screen, medians, peak RSS."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

COLS, ROWS = 100, 30


@dataclass
class Sample:
    seconds: float
    peak_rss_mb: float | None = None


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def time_to_screen(argv: Sequence[str], marker: str | Sequence[str], env: dict | None = None,
                   timeout: float = 60.0) -> float:
    """Seconds from exec until the terminal output contains every ``marker``.

    Runs the program in a pseudo-terminal of COLS x ROWS, as an analyst would,
    and kills it as soon as the markers appear. Output is escape-heavy, so
    markers are matched on the raw bytes with escape sequences removed.
    """
    markers = [marker] if isinstance(marker, str) else list(marker)
    full_env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
    full_env.update(env or {})
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(argv[0], list(argv), full_env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    seen = b""
    try:
        while True:
            remaining = timeout - (time.perf_counter() - start)
            if remaining <= 0:
                raise TimeoutError(f"{argv}: markers {markers} not seen in {timeout}s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                raise RuntimeError(f"{argv} exited before showing {markers}: {_plain(seen)[-500:]}") from None
            if not chunk:
                raise RuntimeError(f"{argv} exited before showing {markers}")
            seen += chunk
            plain = _plain(seen)
            if all(m in plain for m in markers):
                return time.perf_counter() - start
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def _plain(data: bytes) -> str:
    import re

    text = data.decode("utf-8", "replace")
    return re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]", "", text)


def run_process(argv: Sequence[str], env: dict | None = None) -> Sample:
    """Wall time and peak RSS (MB) of a whole process; raises if it fails."""
    seconds, rss = peak_rss_of(argv, env)
    return Sample(seconds, rss)


def peak_rss_of(argv: Sequence[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak RSS MB) of a process, via GNU time-like wait4."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=full_env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{argv} failed ({status}): {err[-800:]}")
    return elapsed, usage.ru_maxrss / 1024


def repeat(fn: Callable[[], float], n: int) -> float:
    """Median of n runs of fn (each returning seconds), after one warm-up."""
    fn()
    return median([fn() for _ in range(n)])


PY = sys.executable
