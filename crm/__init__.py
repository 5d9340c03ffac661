"""An open-source, AI-assisted CRM."""

__version__ = "0.1.0"
