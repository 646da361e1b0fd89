"""Placeholder until this module lands."""
from django.http import Http404


def template_lineage(request, **kwargs):
    raise Http404


template_upgrade = template_lineage
