from django.urls import path

from sigap.people import views

urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("masuk/kode/", views.login_code, name="login-code"),
    path("akun/verifikasi-dua-langkah/", views.two_factor, name="two-factor"),
    # Before the admin's own URLs, so that its login page is ours.
    path("admin/login/", views.admin_login, name="admin-login"),
]
