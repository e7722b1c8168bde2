"""The statistics pages under ``/thong-ke/``. Each subject keeps its routes next to its views (a module in
``stats/views/`` with its own ``urlpatterns``): dashboards and maps, official report tables, two standards side
by side, the reconciliation of published tables."""

from giamngheo.stats.views import compare, dashboard, reconcile, tables

app_name = "stats"
urlpatterns = [*dashboard.urlpatterns, *tables.urlpatterns, *compare.urlpatterns, *reconcile.urlpatterns]
