from django.middleware.http import ConditionalGetMiddleware
from django.urls import path
from django.utils.decorators import decorator_from_middleware
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from registry.public.api import views

app_name = "api"

router = SimpleRouter()
router.register("rounds", views.RoundViewSet, basename="round")
router.register("bases", views.BaseRecordViewSet, basename="base")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("organizations", views.OrganizationViewSet, basename="organization")

# ETag and If-None-Match / If-Modified-Since on every API answer.
conditional_get = decorator_from_middleware(ConditionalGetMiddleware)
urlpatterns = list(router.urls)
for pattern in urlpatterns:
    pattern.callback = conditional_get(pattern.callback)

urlpatterns += [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page's script is served at docs/?script and its styles from a file: the Content Security Policy
    # refuses inline scripts and styles.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="registry/api_docs.html"),
         name="docs"),
]
