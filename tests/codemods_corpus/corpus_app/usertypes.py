"""User types: plain, named, nested in each other, and used in models alone, in
(frozen) collections, in tuples and in keys."""

import uuid

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import Model
from cassandra.cqlengine.usertype import UserType


class Address(UserType):
    street = columns.Text()
    city = columns.Text()
    zip_code = columns.Ascii(db_field="zip")


class Phone(UserType):
    __type_name__ = "phone_number"
    kind = columns.Text()
    number = columns.Text(required=True)


class Contact(UserType):
    name = columns.Text()
    address = columns.UserDefinedType(Address)
    phones = columns.List(columns.UserDefinedType(Phone))
    tags = columns.Set(columns.Text)


class Customer(Model):
    id = columns.UUID(primary_key=True, default=uuid.uuid4)
    home = columns.UserDefinedType(Address)
    phones = columns.List(columns.UserDefinedType(Phone))
    contacts = columns.Map(columns.Text, columns.UserDefinedType(Contact))
    visited = columns.List(columns.UserDefinedType(Address), frozen=True)
    by_label = columns.Map(columns.Text, columns.UserDefinedType(Phone), frozen=True)
    pinned = columns.Tuple(columns.UserDefinedType(Phone), columns.Integer)
    archive = columns.List(columns.Map(columns.Text, columns.UserDefinedType(Address)))


class Delivery(Model):
    """A user type in the primary key."""

    destination = columns.UserDefinedType(Address, partition_key=True)
    at = columns.DateTime(primary_key=True, clustering_order="DESC")
    courier = columns.UserDefinedType(Contact)
