"""resilnet: an open platform for digital resilience in health emergencies."""

__version__ = "0.1.0"
