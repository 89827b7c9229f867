"""Staff report pages: the live dashboard, a recap's figures and files, and the archive register.

Liaisons see their own agency's figures and recaps only; everyone else sees all and may narrow
to one agency or platform.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency
from sigap.people.models import Role
from sigap.platforms.models import PlatformName
from sigap.recaps import archive, charts, csv, figures, live, pdf, xlsx
from sigap.recaps.archive import file_stem
from sigap.recaps.build import RecapData
from sigap.recaps.live import PERIODS, period_of
from sigap.recaps.models import Archive, ArchiveFile, Recap
from sigap.recaps.narrative import current_lang, narrative, period_label

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


def _sees_all(user) -> bool:
    return user.is_admin or user.role != Role.LIAISON


def figures_context(summary) -> dict:
    """What recaps/_report_figures.html needs: tables, charts and the narrative of a summary."""
    lang = current_lang()
    return {
        "summary": summary,
        "key_figures": figures.key_figures(summary, lang),
        "tables": figures.tables(summary, lang),
        "charts": [mark_safe(charts.svg(chart)) for chart in charts.recap_charts(summary, lang)],  # escaped in svg()
        "narrative_id": narrative(summary, "id"),
        "narrative_en": narrative(summary, "en"),
    }


def _scope(request) -> tuple[Agency | None, str]:
    if not _sees_all(request.user):
        if request.user.agency_id is None:
            raise PermissionDenied
        agency = request.user.agency
    else:
        code = request.GET.get("agency", "")
        agency = Agency.objects.filter(code=code).first() if code else None
    platform = request.GET.get("platform", "")
    return agency, platform if platform in PlatformName.values else ""


@login_required
def dashboard(request):
    now = timezone.now()
    agency, platform = _scope(request)
    chosen = request.GET.get("period", "today")
    chosen = chosen if chosen in PERIODS else "today"
    # Computed by the worker every minute or so (sigap.recaps.live): one query here, at any size.
    summaries, computed_at = live.figures(agency, platform, now)
    strip = [
        {"name": name, "label": _period_labels()[name], "summary": summaries[name], "chosen": name == chosen}
        for name in PERIODS
    ]
    selected = summaries[chosen]
    context = {
        "strip": strip,
        "chosen": chosen,
        "computed_at": computed_at,
        "period": period_label(selected.period_start, selected.period_end, current_lang()),
        "agency": agency,
        "platform": platform,
        "agencies": Agency.objects.filter(active=True) if _sees_all(request.user) else None,
        "platforms": PlatformName.choices,
        "formats": list(CONTENT_TYPES),
        **figures_context(selected),
    }
    return render(request, "recaps/report_dashboard.html", context)


def _period_labels() -> dict:
    return {"today": _("Today"), "week": _("This week"), "month": _("This month")}


@login_required
def download(request, fmt: str):
    """The dashboard's period and scope as a file, made now (not archived)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    agency, platform = _scope(request)
    name = request.GET.get("period", "today")
    if name not in PERIODS:
        raise Http404
    data = RecapData(*period_of(name, timezone.now()), agency=agency, platform=platform)
    first = timezone.localtime(data.period_start)
    return _file_response(data, fmt, f"rekap-{first:%Y%m%d}-{name}")


def _visible_recap(user, pk: int) -> Recap:
    recap = get_object_or_404(Recap.objects.select_related("agency", "sop", "archive"), pk=pk)
    # A city-wide recap lists every agency's complaints: a liaison may have its own agency's only.
    if not _sees_all(user) and (recap.agency_id is None or recap.agency_id != user.agency_id):
        raise PermissionDenied
    return recap


@login_required
def recap_report(request, pk: int):
    recap = _visible_recap(request.user, pk)
    data = RecapData.for_recap(recap)
    context = {
        "recap": recap,
        "period": period_label(recap.period_start, recap.period_end, current_lang()),
        "scope": figures.scope_label(recap.agency, recap.platform),
        "formats": list(CONTENT_TYPES),
        "archive": getattr(recap, "archive", None),
        **figures_context(data.summary),
    }
    return render(request, "recaps/report_recap.html", context)


@login_required
def recap_file(request, pk: int, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    recap = _visible_recap(request.user, pk)
    return _file_response(RecapData.for_recap(recap), fmt, file_stem(recap))


def _file_response(data: RecapData, fmt: str, stem: str) -> HttpResponse:
    filename = f"{stem}.{fmt}"
    if fmt == "csv":
        # Streamed: a year of rows never sits in memory. The BOM makes Excel read UTF-8.
        response = StreamingHttpResponse(csv.lines(data, bom=True), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    (xlsx if fmt == "xlsx" else pdf).render(data, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])


@login_required
def archive_list(request):
    entries = Archive.objects.select_related("recap__agency").prefetch_related("files").order_by("-sequence")
    if not _sees_all(request.user):
        entries = entries.filter(recap__agency_id=request.user.agency_id) if request.user.agency_id else entries.none()
    context = {"entries": entries[:500], "head_hash": archive.head_hash(), "count": entries.count()}
    return render(request, "recaps/report_archive.html", context)


@login_required
def archive_file(request, pk: int, fmt: str):
    stored = get_object_or_404(ArchiveFile.objects.select_related("archive__recap"), archive_id=pk, format=fmt)
    recap = stored.archive.recap
    if not _sees_all(request.user) and (recap.agency_id is None or recap.agency_id != request.user.agency_id):
        raise PermissionDenied
    if stored.pruned_at is not None:
        return HttpResponse(_("This file was removed after its retention period; its hash stays in the register."), status=410)
    if not default_storage.exists(stored.file.name):
        raise Http404(_("The archived file is missing: run “sigap archive verify”."))
    handle = default_storage.open(stored.file.name, "rb")
    name = stored.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    response["X-Content-SHA256"] = stored.sha256
    return response
