from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from digest.health import healthz

# Admin pages of the models that left the digest app (digest/migrations/0007): an old
# bookmark to /admin/digest/<model>/… lands on the model's page in its new app.
MOVED_ADMIN_MODELS = {
    **dict.fromkeys(("subscriber", "edition", "delivery"), "mailing"),
    **dict.fromkeys(("draft", "researchlog", "llmcall"), "writing"),
}


def moved_admin_page(request: HttpRequest, model: str, rest: str = "") -> HttpResponse:
    if model not in MOVED_ADMIN_MODELS:
        raise Http404("No such admin page.")
    app = MOVED_ADMIN_MODELS[model]
    new = request.get_full_path().replace("/admin/digest/", f"/admin/{app}/", 1)
    return redirect(new, permanent=True)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("reader.urls")),
    path("", include("mailing.urls")),
    path("", include("search.urls")),
    path("", include("writing.urls")),
    path("admin/digest/<str:model>/", moved_admin_page),
    path("admin/digest/<str:model>/<path:rest>", moved_admin_page),
    path("admin/", admin.site.urls),
]
