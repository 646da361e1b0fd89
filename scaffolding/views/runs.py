"""Placeholder until this module lands."""
from django.http import Http404


def run_list(request, **kwargs):
    raise Http404


run_detail = run_status = run_cancel = run_retry = action_list = run_list
