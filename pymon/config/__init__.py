"""mon.cf: text to a typed, immutable model (lines -> grammar -> model, periods)."""

from pymon.config.errors import ConfigError, Diagnostic, Location
from pymon.config.loader import LoadedConfig, load_config
from pymon.config.model import (
    AlertLine,
    Config,
    Dependency,
    ExitRange,
    Globals,
    HostGroup,
    Period,
    Service,
    Watch,
)
from pymon.config.parser import parse_config
from pymon.config.paths import Options, Programs

__all__ = [
    "AlertLine",
    "Config",
    "ConfigError",
    "Dependency",
    "Diagnostic",
    "ExitRange",
    "Globals",
    "HostGroup",
    "LoadedConfig",
    "Location",
    "Options",
    "Period",
    "Programs",
    "Service",
    "Watch",
    "load_config",
    "parse_config",
]
