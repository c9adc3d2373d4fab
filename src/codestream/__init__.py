"""CodeStream On-Prem: code discussion with a Microsoft Teams bot."""

__version__ = "0.1.0"
