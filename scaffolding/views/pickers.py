"""Placeholder until this module lands."""
from django.http import Http404


def entity_options(request, **kwargs):
    raise Http404
