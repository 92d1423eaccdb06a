"""libcst codemods that rewrite cqlengine code to coodie (``coodie-upgrade``).

Not built yet: the command only explains itself and converts nothing.
"""
