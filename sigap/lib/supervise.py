"""Several processes run as one: `sigap run` (development) and `sigap serve` (production).

Ctrl-C, SIGTERM or SIGHUP stops them all, and so does any one of them exiting: a half-running
Sigap (web without worker, or the reverse) looks alive while complaints wait, so it is better
stopped.
Under systemd each process is its own unit instead (docs/deploy/).
"""

import signal
import subprocess
import time

GRACE_SECONDS = 20  # a worker finishes the reply it is sending; gunicorn the requests in flight


def supervise(processes: dict[str, subprocess.Popen], *, out, grace: float = GRACE_SECONDS) -> int:
    """Wait until a signal arrives or a process exits, then stop the rest; 0 after a signal, else 1.

    `out` is where to say which process stopped (a management command's stderr).
    """
    stopping, code = False, 0

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    # SIGHUP too: a closed terminal must not leave the children running without their supervisor.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    out.write(f"{name} stopped (exit {proc.returncode}); stopping the rest.")
                    stopping, code = True, 1
                    break
            else:
                time.sleep(0.5)
    finally:
        terminate(list(processes.values()), grace=grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def terminate(processes: list[subprocess.Popen], *, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to every process still running, then SIGKILL to those not gone after `grace` seconds."""
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
