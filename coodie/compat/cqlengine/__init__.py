"""``coodie.compat.cqlengine``: cqlengine's API over coodie's core (being built).

Today it holds the vocabulary mapping (``mapping``) that the shim and the
``coodie-upgrade`` codemod share; the modules of cqlengine's API follow (issue 7).
"""
