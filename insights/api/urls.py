from django.urls import path  # noqa: F401  (routes are added by the app's API views)

urlpatterns: list = []
