from django.contrib import admin
from django.urls import path

from bookwithme.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
