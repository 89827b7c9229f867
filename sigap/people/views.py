"""Logging in (password, then the code for those who set up two-step verification) and setting it up."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from sigap.people import throttle, twofactor
from sigap.people.forms import CodeForm, ConfirmCodeForm, EnrolForm, LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.enrolled(user):
            twofactor.start_pending(self.request, user, self.get_redirect_url())
            return redirect("login-code")
        auth_login(self.request, user)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled)
        return response


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("home")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """The second step: the code from the app, or a recovery code."""
    found = twofactor.pending(request)
    if found is None:
        request.session.pop(twofactor.PENDING, None)
        messages.info(request, _("Please log in with your password first."))
        return redirect("login")
    user, backend, next_url = found
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        wait = max(throttle.code_wait(user), twofactor.device_wait(twofactor.device(user)))
        how = None if wait else twofactor.verify(user, form.cleaned_data["code"])
        if how:
            request.session.pop(twofactor.PENDING, None)
            auth_login(request, user, backend=backend or None)
            request.session[twofactor.VERIFIED] = request.session[twofactor.ENROLLED] = True
            if how == "recovery":
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)d are left. Make new ones on the two-step verification page.")
                    % {"n": left},
                )
            return HttpResponseRedirect(_safe_next(request, next_url))
        wait = wait or throttle.code_failed(request, user)
        if wait:
            form.add_error(None, throttle.wait_message(wait))
            status = 429
        else:
            form.add_error("code", _("That code is not right. Check the time on your phone, or use a recovery code."))
    return render(request, "people/login_code.html", {"form": form, "pending_user": user}, status=status)


@sensitive_post_parameters("code")
@login_required
@never_cache
def two_factor(request):
    """Set up, look at, or turn off two-step verification for oneself."""
    user = request.user
    dev = twofactor.device(user)
    context = {"required": twofactor.required(user), "next": _safe_next(request, request.GET.get("next", ""))}
    if dev is None:
        return _enrol(request, context)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "disable" and context["required"]:
        raise PermissionDenied
    form = ConfirmCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if action not in ("codes", "disable"):
            form.add_error(None, _("Choose what to do with one of the buttons."))
        elif not twofactor.check_totp(dev, form.cleaned_data["code"]):
            form.add_error("code", _("That code is not right. A code works once: wait for the next one."))
        elif action == "codes":
            codes = twofactor.renew_recovery_codes(user)
            return render(request, "people/two_factor_codes.html", {**context, "codes": codes})
        else:
            twofactor.disable(user, by=user)
            request.session.pop(twofactor.VERIFIED, None)
            request.session.pop(twofactor.ENROLLED, None)
            messages.success(request, _("Two-step verification is off."))
            return redirect("two-factor")
    context.update(device=dev, form=form, codes_left=twofactor.recovery_codes_left(user))
    return render(request, "people/two_factor.html", context, status=400 if form.errors else 200)


def _enrol(request, context):
    user = request.user
    dev = twofactor.unconfirmed_device(user)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm(user, dev, form.cleaned_data["code"])
        if codes is not None:
            # This session has just proved the code, so it counts as verified.
            request.session[twofactor.VERIFIED] = request.session[twofactor.ENROLLED] = True
            return render(request, "people/two_factor_codes.html", {**context, "codes": codes, "new": True})
        form.add_error("code", _("That code is not right. Check that the phone's clock is set automatically."))
    context.update(
        form=form,
        qr=twofactor.qr_svg(dev, _("QR code for the authenticator app")),
        key=twofactor.manual_key(dev),
        account=f"{user.get_username()}",
    )
    return render(request, "people/two_factor_enrol.html", context, status=400 if form.errors else 200)


def admin_login(request):
    """The admin's own login page would skip throttling and the code: send people to ours."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(_safe_next(request, next_url))
        # Logged in but not allowed into the admin: sending them to log in again would loop.
        raise PermissionDenied
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
