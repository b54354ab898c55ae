"""The search page: /search/?q=...&kind=post|comment|event. A plain GET form; with htmx, typing updates
the results list in place (the partial), and the field's error travels out of band beside the field."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from content.selectors.search import SearchQueryInvalid, search, search_query_check


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        strip=True,
        widget=forms.SearchInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
        help_text=_("Words in English or Chinese; every word must appear."),
    )
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everything")),
            ("post", _("Posts")),
            ("comment", _("Comments")),
            ("event", _("Events")),
        ],
    )

    def clean_q(self) -> str:
        try:
            return search_query_check(self.cleaned_data["q"])
        except SearchQueryInvalid as error:
            raise forms.ValidationError(error.message, code=error.code) from error


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    searched = "q" in request.GET
    # While typing, an emptied box just clears the results; an empty submit without JavaScript says why.
    if partial and not request.GET.get("q", "").strip():
        searched = False
    form = SearchForm(request.GET if searched else None)
    results = None
    if searched and form.is_valid():
        results = search(
            viewer=request.user,
            query=form.cleaned_data["q"],
            kind=form.cleaned_data["kind"] or None,
            cursor=request.GET.get("cursor"),
        )
    context = {"form": form, "results": results, "query": form.data.get("q", "") if searched else ""}
    template = "content/search_results.html" if partial else "content/search.html"
    return render(request, template, context)
