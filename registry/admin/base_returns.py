"""The base admin in the yearly work: back to the clerk's to-do after a save, the next free 拠点番号 proposed,
and the clerk told when their save reopened 回答完了 (the rule itself: registry.survey.lifecycle.reopen_answer)."""
from django.contrib import messages
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from registry.models import Base, Organization, RoundResponse
from registry.core.permissions import organization_ids_in_scope
from registry.survey.progress import current_round

RETURN_FIELD = "next"  # the page to land on after saving (the to-do links give it)
HINTED_ORGANIZATIONS = 5  # a hint line per organization, for clerks (who have one or a few)


def return_target(request):
    """The page to go back to after a save, if it is one of ours (never another site)."""
    target = request.POST.get(RETURN_FIELD) or request.GET.get(RETURN_FIELD) or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


def back_to_the_todo(request, response):
    """A plain 保存 lands on the page the clerk came from (the to-do) with the admin's message;
    「保存して編集を続ける」 and 「保存してもう一つ追加」 stay in the admin."""
    if any(name in request.POST for name in ("_continue", "_addanother", "_saveasnew")):
        return response
    target = return_target(request)
    if target is None or response.status_code != 302:
        return response
    return HttpResponseRedirect(target)


def next_free_numbers(organization_ids):
    """Organization id → the 拠点番号 after the highest one it uses (closed bases keep theirs)."""
    highest = dict(Base.objects.filter(organization_id__in=organization_ids).values("organization_id")
                   .annotate(top=Max("number")).values_list("organization_id", "top"))
    return {pk: (highest.get(pk) or 0) + 1 for pk in organization_ids}


def number_proposal(request, organization_id=None):
    """(proposed number or None, hint text) for a new base: the next free number of the chosen organization,
    and a line per organization the user adds bases to."""
    scope = organization_ids_in_scope(request.user, "change")
    if organization_id is not None and (scope is None or organization_id in scope):
        shown = [organization_id]
    elif scope is not None:
        shown = sorted(scope)[:HINTED_ORGANIZATIONS]
    else:
        shown = []
    numbers = next_free_numbers(shown)
    names = dict(Organization.objects.filter(pk__in=shown).values_list("pk", "name"))
    lines = [f"{names[pk]}: 次の空き番号は {numbers[pk]}" for pk in shown if pk in names]
    hint = "組織の中で重複しない番号です（閉鎖した拠点の番号も使えません）。" + "／".join(lines)
    proposed = numbers.get(organization_id) if organization_id is not None else (
        numbers[shown[0]] if len(shown) == 1 else None)
    return proposed, hint


def completed_answer(organization_id):
    survey_round = current_round()
    if survey_round is None:
        return None
    return RoundResponse.objects.filter(survey_round=survey_round, organization_id=organization_id,
                                        completed_at__isnull=False).first()


def tell_if_reopened(request, organization_id, was_completed):
    """The save reopened the organization's 回答完了: the clerk reads it where they land."""
    if was_completed and completed_answer(organization_id) is None:
        messages.warning(request, "回答完了の後に拠点を追加・変更したため、回答完了を取り消しました。"
                                  "拠点を確認して、もう一度「回答完了」を押してください。")
