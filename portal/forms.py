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
