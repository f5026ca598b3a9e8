"""egress: which of your dependencies can reach the network, where to, and with what data."""

__version__ = "0.1.0"
