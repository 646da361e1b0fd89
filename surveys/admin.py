"""Django admin for campaigns and questions. Responses and answers are deliberately not registered:
results are read through the results page, and participation rows show no answers."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
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


# (campaign, user) is unique, so Django adds no -pk tie-breaker to this order.
PARTICIPATION_ORDER = ["campaign_id", "user__username", "user_id"]


class ParticipationChangeList(ChangeList):
    """Always the fixed order: a column sort (?o=) would let Django break ties by -pk."""

    def get_ordering(self, request, queryset):
        return list(PARTICIPATION_ORDER)


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    """Who is in the audience and who has answered, in an order that says nothing about when.

    A row created at submit time (get_or_create for someone who joined the audience late) has a
    newer id, so ids and id order would line it up with the newest responses: no column, link,
    checkbox or sort uses them, and the reminder day (a bound on when someone answered) is not shown.
    """

    list_display = ["campaign", "user", "team_ref", "answered", "reminders_sent"]
    list_filter = ["campaign", "answered"]
    fields = readonly_fields = ["campaign", "user", "team_ref", "answered", "reminders_sent"]
    list_display_links = None  # change links carry the id
    actions = None  # the selection checkboxes carry the id
    sortable_by = ()  # no sortable headers; ?o= is ignored too (ParticipationChangeList)
    ordering = PARTICIPATION_ORDER

    def get_changelist(self, request, **kwargs):
        return ParticipationChangeList

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
