"""Run Lambda functions deployed to moto in this process, from their deployed zips.

moto's Docker-free Lambda backend echoes the payload instead of running the handler. This module
replaces its ``invoke`` so that Step Functions tasks, SQS event-source mappings and direct invokes
run the real handler: the function's zip and layers are unpacked once per code version and the
handler module is imported under a name of its own (two ``handler.handler`` functions never
collide).

Environment: a function's variables are applied to this process when it is loaded. Calls run
concurrently, as in Lambda, and one function's call may synchronously trigger another's
(publish -> rule -> SQS -> mapping -> handler), so variables cannot be swapped per call. Instead
two functions that give the same variable different values are refused at load time
(:class:`EnvironmentClash`): the template must name such settings apart.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend

_LOAD_LOCK = threading.RLock()
log = logging.getLogger("civiq.local.lambda")
_WORKDIR = Path(tempfile.mkdtemp(prefix="civiq-lambda-"))
atexit.register(shutil.rmtree, _WORKDIR, ignore_errors=True)


class EnvironmentClash(RuntimeError):
    """Two functions set one environment variable to different values."""


_loaded: dict[str, Callable[[Any, Any], Any]] = {}
_variable_owner: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    timeout_seconds: int = 3  # the function's Timeout, as Lambda counts it down
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def _unpack(code: bytes, into: Path) -> Path:
    if not into.exists():
        staging = into.with_name(into.name + f".{uuid.uuid4().hex}")
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            archive.extractall(staging)
        staging.rename(into)
    return into


def _apply_environment(function_name: str, variables: dict[str, str]) -> None:
    for name, value in variables.items():
        owner, owned_value = _variable_owner.get(name, (function_name, value))
        if owned_value != value:
            raise EnvironmentClash(
                f"{function_name} sets {name}={value!r} but {owner} set it to {owned_value!r}"
            )
        _variable_owner[name] = (owner, value)
        os.environ[name] = value


def _load(backend: LambdaSimpleBackend, fn: LambdaFunction) -> Callable[[Any, Any], Any]:
    key = f"{fn.function_name}:{fn.code_sha_256}"
    with _LOAD_LOCK:
        if key not in _loaded:
            _loaded[key] = _import_handler(backend, fn, key)
    return _loaded[key]


def import_isolated(code_dir: Path, module_path: Path, unique_name: str) -> ModuleType:
    """Import ``module_path`` as ``unique_name`` with ``code_dir`` on the path.

    The code directory's own top-level modules (e.g. Chalice's chalicelib) are imported fresh and
    then taken out of sys.modules again, so no other function, nor this process, shares them.
    """
    own = {p.stem for p in code_dir.glob("*.py")} | {
        p.parent.name for p in code_dir.glob("*/__init__.py")
    }
    shadowed = {
        name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in own
    }
    sys.path.insert(0, str(code_dir))
    try:
        spec = importlib.util.spec_from_file_location(unique_name, module_path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique_name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(code_dir))
        for name in [n for n in sys.modules if n.split(".")[0] in own]:
            del sys.modules[name]
        sys.modules.update(shadowed)
    return module


def _import_handler(
    backend: LambdaSimpleBackend, fn: LambdaFunction, key: str
) -> Callable[[Any, Any], Any]:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    code_dir = _unpack(fn.code_bytes, _WORKDIR / f"{fn.function_name}-{digest}")
    layers = [backend.layers_versions_by_arn(layer["Arn"]) for layer in fn.layers]
    layer_digests = [hashlib.sha256(version.code_bytes).hexdigest()[:16] for version in layers]
    # Lambda mounts a function's layers at /opt; here every function shares one directory in its
    # place, holding all their layers (the environment is process-wide: two paths for one
    # variable, such as TEMPLATES_DIR=/opt, would clash). Two layers' files at one path are refused.
    opt_dir = _WORKDIR / "opt"
    opt_dir.mkdir(exist_ok=True)
    for version, layer_digest in zip(layers, layer_digests, strict=True):
        layer_dir = _unpack(version.code_bytes, _WORKDIR / f"layer-{layer_digest}")
        for entry in layer_dir.iterdir():
            with contextlib.suppress(FileExistsError):  # another function linked it first
                (opt_dir / entry.name).symlink_to(entry)
            if (opt_dir / entry.name).readlink() != entry:
                raise EnvironmentClash(f"two layers put files at /opt/{entry.name}")
    environment = {
        name: str(value).replace("/opt", str(opt_dir), 1)
        if str(value).startswith("/opt")
        else str(value)
        for name, value in fn.environment_vars.items()
    }
    module_name, _, attribute = fn.handler.rpartition(".")
    module_path = code_dir / (module_name.replace(".", "/") + ".py")
    unique_name = f"_lambda_{fn.function_name.replace('-', '_')}_{digest}"
    _apply_environment(fn.function_name, environment)
    module = import_isolated(code_dir, module_path, unique_name)
    handler: Callable[[Any, Any], Any] = getattr(module, attribute)
    return handler


def invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    fn = self.get_function(function_name, qualifier)
    handler = _load(self, fn)
    event = json.loads(body) if body else {}
    context = LambdaContext(
        function_name=fn.function_name,
        invoked_function_arn=fn.function_arn,
        memory_limit_in_mb=int(fn.memory_size or 128),
        aws_request_id=str(uuid.uuid4()),
        timeout_seconds=int(fn.timeout or 3),
    )
    try:
        result = handler(event, context)
    except Exception as exc:
        log.warning("%s failed: %s", fn.function_name, exc, exc_info=True)
        response_headers["x-amz-function-error"] = "Unhandled"
        payload = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exc().splitlines()[-5:],
        }
        return json.dumps(payload).encode()
    return json.dumps(result).encode()


def install() -> None:
    LambdaSimpleBackend.invoke = invoke
