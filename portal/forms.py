from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, strip=True)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        required=False,
        strip=True,
        help_text="What the token is for, e.g. “CI deploy events”.",
    )
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write")], initial="read",
        help_text="Read only: the API's GET endpoints and git clone. Read and write: also changes and pushes.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires", coerce=int, initial=90,
        choices=[(7, "in 7 days"), (30, "in 30 days"), (90, "in 90 days"), (365, "in a year"), (0, "never")],
    )
