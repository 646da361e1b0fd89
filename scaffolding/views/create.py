"""Placeholder until this module lands."""
from django.http import Http404


def template_list(request, **kwargs):
    raise Http404


template_form = template_list
