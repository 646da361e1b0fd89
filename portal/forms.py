from django import forms

from catalog.selectors import SEARCH_KINDS


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, strip=True)
    kind = forms.CharField(max_length=63, required=False, strip=True)

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"].lower()
        if kind and kind not in SEARCH_KINDS:
            raise forms.ValidationError(
                f"There is no kind “{kind}”; choose one of {', '.join(SEARCH_KINDS.values())}. Showing every kind.")
        return kind


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        required=False,
        strip=True,
        help_text="What the token is for, e.g. “CI deploy events”.",
    )
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write"),
                 ("facts", "Scorecard facts only (CI reports to /api/facts)"),
                 ("events", "Delivery events only (/api/events and webhooks)")], initial="read",
        help_text="Read only: the API's GET endpoints and git clone. Read and write: also changes and pushes. "
                  "Facts or events: CI and delivery tools send to their endpoint and can do nothing else.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires", coerce=int, initial=90,
        choices=[(7, "in 7 days"), (30, "in 30 days"), (90, "in 90 days"), (365, "in a year"), (0, "never")],
    )
