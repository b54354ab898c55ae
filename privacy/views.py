from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from privacy.models import PolicyKind
from privacy.rendering import policy_render
from privacy.selectors import policy_version_get, policy_versions_published, privacy_notice_rows


def policy_index(request):
    return render(request, "privacy/policy_index.html", {"kinds": PolicyKind.choices})


def policy_detail(request, kind: str, label: str | None = None):
    """LEGAL L1: public without login; an older version by its label."""
    if kind not in PolicyKind.values:
        raise Http404
    version = policy_version_get(kind=kind, label=label)
    if version is None:
        raise Http404
    chinese = (get_language() or "").startswith("zh")
    body = version.body_zh if chinese else version.body_en
    context = {
        "kind": kind,
        "title": PolicyKind(kind).label,
        "version": version,
        "body": policy_render(body),
        "versions": policy_versions_published(kind=kind),
        "is_latest": label is None,
        "notice_rows": privacy_notice_rows() if kind == PolicyKind.PRIVACY_POLICY else None,
    }
    return render(request, "privacy/policy.html", context)
