"""A cqlengine application's models, for the codemod's schema-equivalence test.

Modules: ``settings`` (keyspace and connection names, from the environment),
``scalars``, ``keys``, ``containers``, ``defaults``, ``options``, ``inheritance``,
``indexes``, ``counters``, ``usertypes``, ``polymorphic``, ``custom``, ``styles``
(the import styles applications use), ``base`` and ``derived`` (a base model in one
module subclassed in another).
"""
