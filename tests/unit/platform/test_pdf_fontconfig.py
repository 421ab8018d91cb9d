"""Where the PdfLayer is mounted, WeasyPrint's fontconfig reads the layer's configuration;
elsewhere (this machine, the local stack) the system's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from civiq.platform.pdf import use_layer_fontconfig


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = {name: value for name, value in os.environ.items() if name != "FONTCONFIG_PATH"}
    monkeypatch.setattr(os, "environ", variables)
    return variables


def test_the_layers_configuration_is_used_where_it_is_mounted(
    environment: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "fonts.conf").write_text("<fontconfig/>")

    use_layer_fontconfig(tmp_path)

    assert environment["FONTCONFIG_PATH"] == str(tmp_path)


def test_without_the_layer_the_systems_configuration_stays(
    environment: dict[str, str], tmp_path: Path
) -> None:
    use_layer_fontconfig(tmp_path)

    assert "FONTCONFIG_PATH" not in environment


def test_a_configuration_given_by_the_environment_is_kept(
    environment: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "fonts.conf").write_text("<fontconfig/>")
    environment["FONTCONFIG_PATH"] = "/etc/fonts"

    use_layer_fontconfig(tmp_path)

    assert environment["FONTCONFIG_PATH"] == "/etc/fonts"
