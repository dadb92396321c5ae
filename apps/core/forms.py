"""Form pieces every domain app shares."""

from __future__ import annotations

from django import forms


class TypedConfirmForm(forms.Form):
    """A destructive action confirmed by typing what the dialog shows (a name, a provider, a
    type); the box's placeholder says what to type. Subclasses set ``label`` and ``refused``
    ("{expected}" is replaced)."""

    label = "Type it to confirm"
    refused = "Type “{expected}” to confirm."

    confirm = forms.CharField(max_length=200)

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        field = self.fields["confirm"]
        field.label = self.label
        field.error_messages = {**field.error_messages, "required": f"{self.label}."}
        field.widget.attrs.update(placeholder=expected, autocomplete="off")

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.expected:
            raise forms.ValidationError(self.refused.format(expected=self.expected))
        return value
