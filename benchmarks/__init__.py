"""Side-by-side benchmarks: raw driver, cqlengine, the compat shim and coodie (sync and aio).

Run ``python -m benchmarks`` from the repository root (see benchmarks/README.md).
Nothing here is a test: numbers are printed and saved, never asserted.
"""
