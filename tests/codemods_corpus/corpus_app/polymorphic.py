"""A polymorphic hierarchy: one table, a discriminator column, a value per kind."""

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model


class Pet(Model):
    owner = columns.Text(partition_key=True)
    name = columns.Text(primary_key=True)
    kind = columns.Text(discriminator_column=True)


class Cat(Pet):
    __discriminator_value__ = "cat"
    lives = columns.Integer(default=9)


class Dog(Pet):
    __discriminator_value__ = "dog"
    good = columns.Boolean(default=True)
