"""What each function and layer of a SAM template runs on, as Lambda will run it.

A function's target is its Runtime and Architectures (its own, else the template's Globals, else
Lambda's default architecture). A layer is built for the one target of the functions that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The glibc of each Lambda Python runtime's operating system: python3.11 runs on Amazon Linux 2
# (glibc 2.26), python3.12 and python3.13 on Amazon Linux 2023 (glibc 2.34). A native library that
# needs a newer GLIBC_x.y symbol version fails to load at cold start.
LAMBDA_RUNTIME_GLIBC: dict[str, tuple[int, int]] = {
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
}

# Lambda's architecture name -> (the machine's name in wheel tags, pyelftools' e_machine).
ARCHITECTURES: dict[str, tuple[str, str]] = {
    "arm64": ("aarch64", "EM_AARCH64"),
    "x86_64": ("x86_64", "EM_X86_64"),
}
LAMBDA_DEFAULT_ARCHITECTURE = "x86_64"
# The oldest glibc of any manylinux wheel for these machines (manylinux2014 = manylinux_2_17).
OLDEST_MANYLINUX_GLIBC_MINOR = 17


class TargetError(ValueError):
    """The template asks for a target this build cannot serve or check."""


@dataclass(frozen=True)
class Target:
    runtime: str
    architecture: str

    def __post_init__(self) -> None:
        if self.runtime not in LAMBDA_RUNTIME_GLIBC:
            raise TargetError(
                f"runtime {self.runtime!r}: not one of {sorted(LAMBDA_RUNTIME_GLIBC)}"
            )
        if self.architecture not in ARCHITECTURES:
            raise TargetError(
                f"architecture {self.architecture!r}: not one of {list(ARCHITECTURES)}"
            )

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def glibc(self) -> tuple[int, int]:
        return LAMBDA_RUNTIME_GLIBC[self.runtime]

    @property
    def machine(self) -> str:
        return ARCHITECTURES[self.architecture][0]

    @property
    def elf_machine(self) -> str:
        return ARCHITECTURES[self.architecture][1]

    @property
    def extension_tag(self) -> str:
        """The tag in a CPython extension module's file name: ``cpython-312``."""
        return "cpython-" + self.python_version.replace(".", "")

    def wheel_platforms(self) -> list[str]:
        """Every manylinux tag whose wheels load on this runtime's glibc, in the order pip on the
        runtime itself would prefer them: newest first.

        pip widens none of the ``manylinux_2_x`` tags to older ones by itself, so each is named.
        """
        major, newest = self.glibc
        return [
            f"manylinux_{major}_{minor}_{self.machine}"
            for minor in range(newest, OLDEST_MANYLINUX_GLIBC_MINOR - 1, -1)
        ] + [f"manylinux2014_{self.machine}"]


@dataclass(frozen=True)
class Function:
    name: str
    code_uri: str
    target: Target
    layers: tuple[str, ...]
    """Logical ids of this template's layers, Globals' first (SAM appends the function's)."""


@dataclass(frozen=True)
class Layer:
    name: str
    content_uri: str
    target: Target


@dataclass(frozen=True)
class Stack:
    functions: tuple[Function, ...]
    layers: tuple[Layer, ...]


def _layer_ids(references: list[Any]) -> tuple[str, ...]:
    # A layer given by ARN is someone else's published layer: nothing here builds or sizes it.
    return tuple(ref["Ref"] for ref in references if isinstance(ref, dict) and "Ref" in ref)


def read_stack(template: dict[str, Any]) -> Stack:
    """The functions and layers of a loaded template (CodeUri/ContentUri as written there)."""
    defaults = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    functions = []
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        architectures = properties.get("Architectures", defaults.get("Architectures"))
        target = Target(
            runtime=properties.get("Runtime", defaults.get("Runtime")),
            architecture=architectures[0] if architectures else LAMBDA_DEFAULT_ARCHITECTURE,
        )
        layer_ids = _layer_ids(defaults.get("Layers", []) + properties.get("Layers", []))
        functions.append(Function(name, properties["CodeUri"], target, layer_ids))

    layers = []
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::LayerVersion":
            continue
        users = {function.target for function in functions if name in function.layers}
        if len(users) > 1:
            raise TargetError(
                f"{name} serves functions of different targets: {sorted(users, key=str)}"
            )
        if users:
            (target,) = users
        else:
            properties = resource["Properties"]
            target = Target(
                runtime=properties.get("CompatibleRuntimes", [defaults.get("Runtime")])[0],
                architecture=properties.get(
                    "CompatibleArchitectures",
                    defaults.get("Architectures", [LAMBDA_DEFAULT_ARCHITECTURE]),
                )[0],
            )
        layers.append(Layer(name, resource["Properties"]["ContentUri"], target))
    return Stack(tuple(functions), tuple(layers))
