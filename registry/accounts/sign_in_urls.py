"""The sign-in's own pages beside the admin's login form (the one sign-in of the site): the second factor and the
password reset by e-mail. Unnamespaced: Django's auth views and the admin's login page find them by these names."""
from django.contrib.auth import views as auth_views
from django.urls import path

from registry.accounts import password_reset, second_factor_views

urlpatterns = [
    path("sign-in/code/", second_factor_views.CodeView.as_view(), name="two_factor_code"),
    path("two-factor/", second_factor_views.EnrolView.as_view(), name="two_factor"),
    path("two-factor/reset/<int:user_id>/", second_factor_views.ResetView.as_view(), name="two_factor_reset"),
    path("password-reset/", password_reset.ResetRequestView.as_view(), name="admin_password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", password_reset.ResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
