"""HTML input of the catalog pages: list filters and the register form. No side effects."""

from django import forms
from django.core.exceptions import ValidationError

from catalog import services
from catalog.selectors import EntityFilters


class EntityFilterForm(forms.Form):
    """The catalog list's query string; unknown or over-long values are simply dropped."""

    kind = forms.CharField(max_length=63, required=False)
    type = forms.CharField(max_length=255, required=False)
    owner = forms.CharField(max_length=320, required=False)
    lifecycle = forms.CharField(max_length=255, required=False)
    tag = forms.CharField(max_length=200, required=False)
    namespace = forms.CharField(max_length=63, required=False)
    q = forms.CharField(max_length=200, required=False)
    mine = forms.BooleanField(required=False)

    def filters(self) -> EntityFilters:
        data = self.cleaned_data if self.is_valid() else {
            name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors
        }
        return EntityFilters(
            kind=data.get("kind") or "", spec_type=data.get("type") or "", owner=data.get("owner") or "",
            lifecycle=data.get("lifecycle") or "", tag=data.get("tag") or "", namespace=data.get("namespace") or "",
            q=data.get("q") or "", mine=bool(data.get("mine")),
        )


class RegisterForm(forms.Form):
    """A URL or absolute path of a catalog-info.yaml, as people paste it."""

    target = forms.CharField(
        label="URL or path of a catalog-info.yaml",
        max_length=2000,
        strip=True,
        help_text="e.g. https://git.example.com/org/repo/raw/main/catalog-info.yaml "
                  "or /srv/repos/app/catalog-info.yaml",
        widget=forms.TextInput(attrs={"placeholder": "https://… or /absolute/path/catalog-info.yaml",
                                      "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("target")
        if not raw:
            return cleaned
        location_type, target = services.location_guess(raw=raw)
        try:
            location_type, target = services.location_target_clean(type=location_type, target=target)
        except ValidationError as exc:
            messages = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
            raise ValidationError({"target": [m for group in messages for m in group]}) from None
        cleaned["location_type"], cleaned["location_target"] = location_type, target
        return cleaned
