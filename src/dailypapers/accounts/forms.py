from __future__ import annotations

from django import forms

from dailypapers.accounts.avatars import MAX_AVATAR_BYTES
from dailypapers.accounts.models import Profile


class ProfileForm(forms.ModelForm):
    """Bio, website and upvote privacy; the avatar file is checked by ``profiles.save_avatar``."""

    avatar = forms.FileField(
        required=False, help_text=f"PNG, JPEG or WebP, at most {MAX_AVATAR_BYTES // 1024} KB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my picture (use the generated one)")

    class Meta:
        model = Profile
        fields = ["bio", "website", "upvotes_public"]
        labels = {"bio": "Bio", "website": "Website", "upvotes_public": "Show the papers I upvoted on my profile"}
        help_texts = {"bio": "Markdown: links, emphasis, lists. At most 1,000 characters.", "website": "An http:// or https:// address."}
        widgets = {"bio": forms.Textarea(attrs={"rows": 5, "maxlength": 1000}), "website": forms.URLInput(attrs={"maxlength": 500})}

    def clean_website(self):
        return (self.cleaned_data.get("website") or "").strip()
