"""LEGAL L24: staff see email addresses and IP addresses only if their role allows it.

The admin lists of every app show personal data through MaskedAdminMixin: for a staff member without
PERSONAL_DATA_PERMISSION an address reads w***@example.com and an IP its network prefix, and the list
cannot be searched by those fields (a search would answer "is this address a member?"). Opening one
record shows it whole; StaffAccessLoggedAdmin asks why and logs it (L23).
"""

from django.contrib import admin

from privacy.access_log import ip_prefix

# Created by community.roles (EXTRA_PERMISSIONS) on privacy's StaffAccess content type: operators and
# privacy officers hold it, superusers have every permission.
PERSONAL_DATA_PERMISSION = "privacy.view_personal_data"

EMAIL = "email"
IP = "ip"


def personal_data_visible(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PERSONAL_DATA_PERMISSION))


def email_mask(email: str | None) -> str:
    """wang.wei@example.com -> w***@example.com; the domain stays (it tells a company from a webmail)."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def ip_mask(ip: str | None) -> str:
    """The network, not the device: 203.0.113.x (the same prefix members see of their own sign-ins)."""
    return ip_prefix(ip) if ip else ""


MASKS = {EMAIL: email_mask, IP: ip_mask}


def _resolve(obj, path: str):
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def masked_column(path: str, kind: str, description, *, masked: bool = True):
    """A list_display column showing `path` (a field, or a relation's field like recipient__email),
    through the mask of `kind` unless `masked` is False."""
    mask = MASKS[kind]

    # Not sortable: the order of the real addresses would tell more than the mask.
    @admin.display(description=description)
    def column(obj) -> str:
        value = _resolve(obj, path)
        return mask(value) if masked else (value or "")

    column.__name__ = f"{path}_masked" if masked else f"{path}_shown"
    return column


class MaskedAdminMixin:
    """List columns in `masked_fields` are masked, and search fields in `personal_search_fields`
    dropped, for staff without PERSONAL_DATA_PERMISSION.

    `masked_fields` maps a column (a field name, or a relation path with __ as Django 5.1 allows in
    list_display) to EMAIL or IP, or to (EMAIL or IP, column title) to name the column."""

    masked_fields: dict[str, object] = {}
    personal_search_fields: tuple[str, ...] = ()

    def _column_spec(self, path: str) -> tuple[str, object]:
        spec = self.masked_fields[path]
        if isinstance(spec, tuple):
            return spec
        model = self.model
        parts = path.split("__")
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model
        return spec, model._meta.get_field(parts[-1]).verbose_name

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        visible = personal_data_visible(request.user)
        shown = []
        for column in columns:
            if isinstance(column, str) and column in self.masked_fields:
                kind, title = self._column_spec(column)
                if not visible:
                    column = masked_column(column, kind, title)
                elif isinstance(self.masked_fields[column], tuple):
                    column = masked_column(column, kind, title, masked=False)
            shown.append(column)
        return shown

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links:
            return links
        # A column replaced by a callable keeps its link.
        names = {getattr(c, "__name__", c): c for c in list_display}
        return [
            names.get(f"{link}_masked", names.get(f"{link}_shown", link))
            if link in self.masked_fields
            else link
            for link in links
        ]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if personal_data_visible(request.user):
            return fields
        return [f for f in fields if f.lstrip("=^@") not in self.personal_search_fields]


__all__ = [
    "EMAIL",
    "IP",
    "PERSONAL_DATA_PERMISSION",
    "MaskedAdminMixin",
    "email_mask",
    "ip_mask",
    "masked_column",
    "personal_data_visible",
]
