"""pymon: mon, the service-monitoring daemon, reimplemented in Python."""

from pymon.config.period import PeriodError, in_period

__version__ = "0.1.0"

__all__ = ["PeriodError", "__version__", "in_period"]
