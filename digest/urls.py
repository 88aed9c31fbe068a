from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

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


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site whatever the page links: the static one."""
    return redirect(static("favicon.ico"), permanent=True)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("reader.urls")),
    path("", include("mailing.urls")),
    path("", include("search.urls")),
    path("", include("writing.urls")),
    path("admin/digest/<str:model>/", moved_admin_page),
    path("admin/digest/<str:model>/<path:rest>", moved_admin_page),
    path("admin/", admin.site.urls),
]
