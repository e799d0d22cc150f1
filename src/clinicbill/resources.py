"""Shipped files: templates/ and sample_data/ (packaged into clinicbill/ by hatch force-include),
data/ (package data). A practice's copy in the config directory overrides a shipped template."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("clinicbill"))


def shipped_dir(name: str) -> Path:
    """`templates` or `sample_data` from the installed package.

    A wheel carries them inside the package; an editable (development) install finds them at
    the top of the source checkout, where hatch's force-include takes them from.
    """
    packaged = Path(str(files("clinicbill"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"clinicbill is installed without its {name}/ directory")


def data_path(*parts: str) -> Path:
    """A file under clinicbill/data/."""
    return Path(str(files("clinicbill"))).joinpath("data", *parts)


def template_dirs() -> list[Path]:
    """Where jinja2 looks, in order: the practice's own copies, then the shipped templates."""
    return [config_dir() / "templates", shipped_dir("templates")]
