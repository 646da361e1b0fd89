"""Signals the bottom layer offers to the apps above it."""

from django.dispatch import Signal

# Sent by an app whenever who-is-who may have changed (catalog Users, Groups, memberships):
# the access policy drops what it cached about people.
identities_changed = Signal()
