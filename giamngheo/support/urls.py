"""The support app's pages. Each subject keeps its routes next to its views; every path carries its own
prefix: ``/ho-tro/`` (support given, assignments, lists), ``/nguon-luc/`` (resources), ``/chi-tieu/`` (targets)."""

from giamngheo.support.views import exports, lists, records, resources, targets

app_name = "support"
urlpatterns = [*records.urlpatterns, *lists.urlpatterns, *resources.urlpatterns, *targets.urlpatterns,
               *exports.urlpatterns]
