"""Compatibility layers over the native core; ``coodie.compat.cqlengine`` is the first."""
