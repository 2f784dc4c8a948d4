"""bookwithme: a self-hosted personal booking page wired to your calendar's free/busy."""

__version__ = "0.1.0"
