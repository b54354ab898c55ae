"""The site's URLs with the P1 baseline in front of them (bench.settings only)."""

from django.urls import path

from bench.views import fixed_string
from community.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/fixed/", fixed_string, name="bench_fixed"), *site_urlpatterns]
