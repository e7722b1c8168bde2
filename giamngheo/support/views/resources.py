"""Pages: resources mobilised and spent (``/nguon-luc/``), fund campaigns and pledges. The views live in
``resources_pages`` (summary, export, entries, spending links) and ``resources_campaigns``."""

from __future__ import annotations

from django.urls import URLPattern, path

from giamngheo.support.views import resources_campaigns as campaigns
from giamngheo.support.views import resources_pages as pages

urlpatterns: list[URLPattern] = [
    path("nguon-luc/", pages.resources, name="resources"),
    path("nguon-luc/xuat-excel/", pages.resources_export_view, name="resources_export"),
    path("nguon-luc/ghi/", pages.resource_create, name="resource_create"),
    path("nguon-luc/<int:pk>/", pages.resource_detail, name="resource_detail"),
    path("nguon-luc/<int:pk>/sua/", pages.resource_edit, name="resource_edit"),
    path("nguon-luc/<int:pk>/xoa/", pages.resource_delete, name="resource_delete"),
    path("nguon-luc/<int:pk>/ho-tro/", pages.resource_links, name="resource_links"),
    path("nguon-luc/dot-van-dong/", campaigns.campaigns, name="campaigns"),
    path("nguon-luc/dot-van-dong/them/", campaigns.campaign_create, name="campaign_create"),
    path("nguon-luc/dot-van-dong/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("nguon-luc/dot-van-dong/<int:pk>/sua/", campaigns.campaign_edit, name="campaign_edit"),
    path("nguon-luc/dot-van-dong/<int:pk>/xoa/", campaigns.campaign_delete, name="campaign_delete"),
    path("nguon-luc/dot-van-dong/<int:pk>/dang-ky/them/", campaigns.pledge_create, name="pledge_create"),
    path("nguon-luc/dang-ky-ung-ho/<int:pk>/sua/", campaigns.pledge_edit, name="pledge_edit"),
    path("nguon-luc/dang-ky-ung-ho/<int:pk>/xoa/", campaigns.pledge_delete, name="pledge_delete"),
]
