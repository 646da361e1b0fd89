"""Campaign pages: the list (with a form for those who manage campaigns), one campaign's progress per team."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import authorize, require
from scorecards.models import Campaign
from scorecards.selectors import scores as selectors
from scorecards.services import campaigns as campaign_services
from scorecards.views.common import entity_path, owner_path, read_require

MANAGE = "scorecards.campaign.manage"


class CampaignForm(forms.Form):
    scorecard = forms.SlugField(max_length=100)
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea)
    applies_to = forms.CharField(max_length=1000, required=False)
    target_level = forms.CharField(max_length=50, required=False)
    target_check = forms.CharField(max_length=100, required=False)
    due = forms.DateField()


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    read_require(request)
    can_manage = authorize(request.user, MANAGE)
    form = CampaignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_manage:
            require(request.user, MANAGE)  # audits the refusal and raises PermissionDenied
        card = selectors.scorecard_get(slug=request.POST.get("scorecard", "")[:100])
        if form.is_valid() and card is None:
            form.add_error("scorecard", "no such scorecard")
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "scorecard"}
            try:
                campaign = campaign_services.campaign_create(user=request.user, scorecard=card, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Campaign “{campaign.title}” started.")
                return HttpResponseRedirect(f"/scorecards/campaigns/{campaign.pk}/")
        status = 400
    campaigns = list(Campaign.objects.select_related("scorecard").order_by("status", "due", "title")[:200])
    cards = selectors.scorecard_list()
    return render(request, "scorecards/campaigns.html", {
        "campaigns": campaigns, "can_manage": can_manage, "form": form, "cards": cards,
        "levels": sorted({lvl for c in cards for lvl in selectors.ladder(c)}),
    }, status=status)


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("scorecard").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    read_require(request)
    campaign = _campaign_or_404(campaign_id)
    progress = campaign_services.campaign_progress(campaign=campaign)
    team = request.GET.get("team", "")[:320].lower()
    short = campaign_services.campaign_short_of(campaign=campaign, owner_ref=team) if team else []
    for score in short:
        score.url = entity_path(score.entity_ref)
    return render(request, "scorecards/campaign.html", {
        "campaign": campaign, "progress": progress, "team": team, "short": short,
        "teams": [(t, owner_path(t.owner_ref)) for t in progress.teams],
        "can_manage": authorize(request.user, MANAGE),
    })


@login_required
@require_POST
def campaign_end(request: HttpRequest, campaign_id: int) -> HttpResponse:
    read_require(request)
    campaign = _campaign_or_404(campaign_id)
    try:
        campaign_services.campaign_end(user=request.user, campaign=campaign)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Campaign ended: no more reminders will be sent.")
    return HttpResponseRedirect(f"/scorecards/campaigns/{campaign.pk}/")
