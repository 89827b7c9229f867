from django.contrib import admin

from sigap.ops.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at", "host", "pid"]
    readonly_fields = ["name", "beat_at", "host", "pid"]
