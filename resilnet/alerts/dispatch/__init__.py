"""The SMPP dispatcher (`resilnet dispatcher`): engine.py runs it, adapter.py is what it
asks of the delivery services."""
