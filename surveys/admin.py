"""Django admin for campaigns and questions. Responses and answers are deliberately not registered:
results are read through the results page, and participation rows show no answers."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from surveys import services
from surveys.models import Campaign, CampaignQuestion, Participation, Question


class CampaignQuestionInline(admin.TabularInline):
    model = CampaignQuestion
    extra = 0
    autocomplete_fields = ["question"]


@admin.action(description="Start next quarter's campaign by copying this one")
def copy_to_next_quarter(modeladmin, request, queryset):
    for campaign in queryset:
        try:
            new = services.campaign_copy(source=campaign)
        except (ValidationError, IntegrityError) as exc:
            modeladmin.message_user(request, f"{campaign.quarter}: not copied ({exc}).", messages.ERROR)
        else:
            modeladmin.message_user(request, f"Created {new} from {campaign.quarter}.", messages.SUCCESS)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "quarter", "opens_on", "closes_on"]
    inlines = [CampaignQuestionInline]
    actions = [copy_to_next_quarter]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "text"]
    search_fields = ["key", "text"]

    def get_readonly_fields(self, request, obj=None):
        # A wording is an identity: new wording means a new question, so existing ones stay as they are.
        return ["kind", "text", "choices"] if obj else []


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["campaign", "user", "team_ref", "answered", "reminders_sent", "last_reminded_on"]
    list_filter = ["campaign", "answered"]
    readonly_fields = ["campaign", "user", "team_ref", "answered", "reminders_sent", "last_reminded_on"]

    def has_add_permission(self, request):
        return False
