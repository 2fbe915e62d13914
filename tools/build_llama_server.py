"""Build llama.cpp's `llama-server` for the test suite, once, from a package registry only.

The llama-cpp-python sdist on PyPI vendors the whole llama.cpp tree. This script downloads that
sdist (pinned version and hash), unpacks it, builds only the `llama-server` target with CMake
(Release, static, CPU-portable, no tests, examples, web UI or OpenSSL) and keeps the binary in a
cache outside the checkout, keyed by the sdist version:

    ${XDG_CACHE_HOME:-~/.cache}/mlxchat-build/llama-server-<version>/llama-server

When that binary is already there it is reused and nothing is downloaded or built. Either way the
script prints the binary's path on stdout (progress goes to stderr). The first build takes about
20 minutes on two idle cores; the sdist, the unpacked sources and the build tree are removed
afterwards (``--keep`` keeps them), and ``build-info.json`` beside the binary records the build time.

    python3 tools/build_llama_server.py              # build if missing, print the path
    python3 tools/build_llama_server.py --print-path # only print where the binary belongs

Needs only the standard library, pip, cmake and a C++ compiler.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SDIST_VERSION = "0.3.36"
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
SDIST_NAME = f"llama_cpp_python-{SDIST_VERSION}.tar.gz"
BINARY_NAME = "llama-server"

CMAKE_OPTIONS = {
    "CMAKE_BUILD_TYPE": "Release",
    "BUILD_SHARED_LIBS": "OFF",
    "GGML_NATIVE": "OFF",  # a binary that runs on any x86-64/arm64 CPU, not only the build machine's
    "LLAMA_BUILD_TESTS": "OFF",
    "LLAMA_BUILD_EXAMPLES": "OFF",
    "LLAMA_BUILD_UI": "OFF",  # the web UI would need npm
    "LLAMA_USE_PREBUILT_UI": "OFF",  # ... or a download from outside the registries
    "LLAMA_OPENSSL": "OFF",
}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlxchat-build"


def build_dir() -> Path:
    return cache_root() / f"llama-server-{SDIST_VERSION}"


def binary_path() -> Path:
    """Where the built llama-server lives (whether or not it has been built yet)."""
    return build_dir() / BINARY_NAME


def say(message: str) -> None:
    print(f"build_llama_server: {message}", file=sys.stderr, flush=True)


def binary_works(path: Path) -> bool:
    if not (path.is_file() and os.access(path, os.X_OK)):
        return False
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """One build at a time per cache directory (two `make test` runs must not build twice)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_sdist(directory: Path) -> Path:
    sdist = directory / SDIST_NAME
    if sdist.is_file() and sha256_of(sdist) == SDIST_SHA256:
        return sdist
    say(f"downloading the llama-cpp-python {SDIST_VERSION} sdist (77 MB) from the package index")
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    run([*pip, "--dest", str(directory), f"llama-cpp-python=={SDIST_VERSION}"])
    got = sha256_of(sdist)
    if got != SDIST_SHA256:
        sdist.unlink()
        raise SystemExit(f"build_llama_server: {SDIST_NAME} has sha256 {got}, expected {SDIST_SHA256}")
    return sdist


def unpack(sdist: Path, directory: Path) -> Path:
    target = directory / "src"
    shutil.rmtree(target, ignore_errors=True)
    say(f"unpacking {sdist.name}")
    with tarfile.open(sdist) as archive:
        archive.extractall(target, filter="data")
    source = target / f"llama_cpp_python-{SDIST_VERSION}" / "vendor" / "llama.cpp"
    if not (source / "tools" / "server").is_dir():
        raise SystemExit(f"build_llama_server: no llama.cpp server sources in {sdist.name}")
    return source


def run(command: list[str]) -> None:
    done = subprocess.run(command, stdout=sys.stderr)
    if done.returncode != 0:
        raise SystemExit(f"build_llama_server: failed ({done.returncode}): {' '.join(command)}")


def compile_server(source: Path, directory: Path, jobs: int) -> Path:
    tree = directory / "build"
    shutil.rmtree(tree, ignore_errors=True)
    options = [f"-D{name}={value}" for name, value in CMAKE_OPTIONS.items()]
    run(["cmake", "-S", str(source), "-B", str(tree), *options])
    run(["cmake", "--build", str(tree), "--target", BINARY_NAME, f"-j{jobs}"])
    built = tree / "bin" / BINARY_NAME
    if not built.is_file():
        raise SystemExit(f"build_llama_server: the build finished without {built}")
    return built


def build(jobs: int, keep: bool) -> Path:
    directory = build_dir()
    final = binary_path()
    with build_lock(directory):
        if binary_works(final):  # another run built it while this one waited
            return final
        for tool in ("cmake", "c++"):
            if shutil.which(tool) is None:
                raise SystemExit(f"build_llama_server: `{tool}` is not on PATH (install cmake and g++)")
        started = time.monotonic()
        sdist = fetch_sdist(directory)
        built = compile_server(unpack(sdist, directory), directory, jobs)
        partial = final.with_name(f".{BINARY_NAME}.partial")
        shutil.copy2(built, partial)
        partial.replace(final)  # the binary appears whole or not at all
        if not keep:  # 300 MB of sources and objects, and the sdist: only the binary is needed
            for leftover in ("src", "build"):
                shutil.rmtree(directory / leftover, ignore_errors=True)
            sdist.unlink(missing_ok=True)
        seconds = round(time.monotonic() - started)
        info = {"sdist": SDIST_NAME, "seconds": seconds, "jobs": jobs, "bytes": final.stat().st_size}
        (directory / "build-info.json").write_text(json.dumps(info) + "\n")
        say(f"built in {seconds} s")
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print-path", action="store_true", help="print where the binary belongs; no build")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel compile jobs")
    parser.add_argument("--keep", action="store_true", help="keep the unpacked sources and the build tree")
    args = parser.parse_args(argv)
    if args.print_path:
        print(binary_path())
        return 0
    final = binary_path()
    if not binary_works(final):
        final = build(args.jobs, args.keep)
    print(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
