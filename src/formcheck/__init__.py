"""formcheck: per-rep back-form warnings for squats, deadlifts and rows from video."""

__version__ = "0.1.0"
