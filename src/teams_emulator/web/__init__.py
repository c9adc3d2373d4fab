"""The Teams-like web page of the emulator."""
