"""HTML input of the catalog pages: list filters and the register form. No side effects."""

from django import forms
from django.core.exceptions import ValidationError

from catalog import services
from catalog.selectors import SORTS, EntityFilters, sort_valid
from catalog.selectors.listing import KIND_RE, MAX_OWNERS


class MultiValueCharField(forms.Field):
    """A repeatable query parameter (`owner=a&owner=b`): each value a short string."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_length: int, max_values: int, **kwargs):
        self.max_length, self.max_values = max_length, max_values
        super().__init__(**kwargs)

    def clean(self, value):
        values = [str(v).strip() for v in (value or []) if str(v).strip()]
        if len(values) > self.max_values:
            raise ValidationError(f"at most {self.max_values} values.")
        if any(len(v) > self.max_length for v in values):
            raise ValidationError(f"each value has at most {self.max_length} characters.")
        return values


class EntityFilterForm(forms.Form):
    """The catalog list's query string. A value that does not fit is dropped and named in
    `problems()`, so the page says what it ignored instead of failing."""

    kind = forms.CharField(max_length=63, required=False)
    type = forms.CharField(max_length=255, required=False)
    owner = MultiValueCharField(max_length=320, max_values=MAX_OWNERS, required=False)
    lifecycle = forms.CharField(max_length=255, required=False)
    tag = forms.CharField(max_length=200, required=False)
    namespace = forms.CharField(max_length=63, required=False)
    q = forms.CharField(max_length=200, required=False)
    mine = forms.BooleanField(required=False)
    sort = forms.CharField(max_length=20, required=False)
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)
    tag_q = forms.CharField(max_length=100, required=False)

    LABELS = {"type": "Type", "owner": "Owner", "q": "Search text", "tag_q": "Tag search"}

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or ""
        if not sort_valid(sort):
            allowed = ", ".join(sorted(SORTS))
            raise ValidationError(f"“{sort}” is not a column to sort by (one of {allowed}, or -column for descending).")
        return sort

    def clean_kind(self):
        kind = (self.cleaned_data.get("kind") or "").strip()
        if kind and not KIND_RE.match(kind.lower()):
            raise ValidationError("a kind is letters, digits, dots, dashes and underscores.")
        return kind

    def _data(self) -> dict:
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}

    def filters(self) -> EntityFilters:
        data = self._data()
        return EntityFilters(
            kind=data.get("kind") or "", spec_type=data.get("type") or "", owners=tuple(data.get("owner") or ()),
            lifecycle=data.get("lifecycle") or "", tag=data.get("tag") or "", namespace=data.get("namespace") or "",
            q=data.get("q") or "", mine=bool(data.get("mine")),
        )

    def sort_value(self) -> str:
        return self._data().get("sort") or ""

    def page_number(self) -> int:
        return self._data().get("page") or 1

    def tag_search(self) -> str:
        return self._data().get("tag_q") or ""

    def problems(self) -> list[str]:
        """What was ignored, for people: “Page: Ensure this value is greater than…”."""
        self.is_valid()
        return [f"{self.LABELS.get(name, name.capitalize())}: {' '.join(errors)} It was ignored."
                for name, errors in self.errors.items()]


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
