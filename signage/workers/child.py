"""A worker process: `python -m signage.workers.child LIMITS-JSON`.

It bounds itself (signage.workers.limits) before anything else, says Ready, then answers one
framed request at a time on its own copies of stdin and stdout; stdout proper is pointed at
stderr, so a library that prints cannot corrupt the protocol, and stderr goes where the
player's does (the journal). It ends when the player closes the pipe, after a MemoryError
(the heap may be unusable: it answers and exits, and the player starts a fresh one), or when
a limit kills it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from signage.core.model import ContentError
from signage.workers import limits as limits_mod
from signage.workers.jobs import Failure, Ready, State
from signage.workers.limits import EXIT_AFTER_MEMORY_ERROR
from signage.workers.wire import (
    MAX_REQUEST_BYTES,
    WireError,
    dumps,
    loads_request,
    read_frame,
    write_frame,
)


def _protocol_streams() -> tuple[Any, Any]:
    """Private duplicates of stdin/stdout for frames; fd 0 and 1 become /dev/null and stderr."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return proto_in, proto_out


def main(argv: list[str]) -> int:
    proto_in, proto_out = _protocol_streams()
    config = json.loads(argv[1]) if len(argv) > 1 else {}
    skipped = limits_mod.apply(limits_mod.Limits(**config))
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"signage-worker[{os.getpid()}] %(levelname)s %(name)s: %(message)s",
    )
    import signage

    package = os.path.dirname(os.path.abspath(signage.__file__))
    write_frame(proto_out, dumps(Ready(os.getpid(), tuple(skipped), package)))
    state = State()
    while True:
        try:
            request = loads_request(read_frame(proto_in, MAX_REQUEST_BYTES))
        except WireError:
            return 0  # the player closed the pipe: it is done with us
        job, cpu_s = request
        limits_mod.job_cpu_budget(cpu_s)
        fatal = False
        try:
            result: Any = job.run(state)
        except MemoryError:
            result, fatal = Failure("memory", "the job needed more memory than a worker has"), True
        except RecursionError:
            result = Failure("error", "the content is nested too deeply")
        except ContentError as err:
            result = Failure("error", err.message, err.code or "unreadable")
        except Exception as err:  # this process's loop boundary: every failure is an answer
            result = Failure("error", f"{type(err).__name__}: {str(err)[:300]}")
            if not isinstance(err, OSError):
                logging.getLogger(__name__).exception("job %s failed", type(job).__name__)
        try:
            write_frame(proto_out, dumps(result))
        except (BrokenPipeError, OSError):
            return 0
        except MemoryError:
            return EXIT_AFTER_MEMORY_ERROR
        if fatal:
            return EXIT_AFTER_MEMORY_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv))
