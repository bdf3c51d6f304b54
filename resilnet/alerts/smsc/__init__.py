"""An SMSC simulator speaking SMPP 3.4, for the demo, the tests and the benchmarks."""
