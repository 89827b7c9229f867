from django.contrib import admin

from sigap.public.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["complaint", "round", "kind", "rating", "created_at"]
    list_filter = ["kind", "rating"]
    readonly_fields = ["complaint", "round", "kind", "rating", "comment", "created_at"]
