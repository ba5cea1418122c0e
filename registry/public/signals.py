"""Every signal the public part listens to, connected by ``connect()`` from RegistryConfig.ready().

What anonymous callers see changes with a save, delete or bulk write of a public table (``LIVE_MODELS``), a
base's public fields (``BASE_FIELDS``) or a frozen round's figures: each renews the publication's stamp, and
after the commit the background build is enqueued (registry/public/publishing_tasks.py), which calls the
builders the publishing parts register in their ``builds.py``.
"""
from django.db.models.signals import post_delete, post_save, pre_save

from registry.core.history.tracking import written_in_bulk
from registry.models import Base, BaseRoundRecord, SurveyRound
from registry.public.publishing import BASE_FIELDS, LIVE_MODELS, build_wanted, renew_publication
from registry.public.publishing_tasks import enqueue_build


def connect():
    pre_save.connect(base_saving, sender=Base, dispatch_uid="publishing_base_fields")
    for model in LIVE_MODELS:
        post_save.connect(public_change, sender=model, dispatch_uid=f"publishing_saved_{model.__name__}")
        post_delete.connect(public_change, sender=model, dispatch_uid=f"publishing_deleted_{model.__name__}")
    post_save.connect(figures_saved, sender=BaseRoundRecord, dispatch_uid="publishing_figures")
    written_in_bulk.connect(public_written_in_bulk, dispatch_uid="publishing_bulk")
    build_wanted.connect(build_after_renewal, dispatch_uid="publishing_build")
    # The builders of the publication's build: the portal's, the API's and open data's.
    from registry.public.api import builds as api_builds  # noqa: F401
    from registry.public.opendata import builds as opendata_builds  # noqa: F401
    from registry.public.portal import builds as portal_builds  # noqa: F401


def base_saving(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    stored = Base.objects.filter(pk=instance.pk).values(*BASE_FIELDS).first()
    if stored is not None and any(stored[name] != getattr(instance, name) for name in BASE_FIELDS):
        renew_publication(live=True)


def public_change(sender, raw=False, **kwargs):
    renew_publication(build=not raw)


def figures_saved(sender, instance, raw=False, **kwargs):
    if raw or SurveyRound.objects.filter(pk=instance.survey_round_id).frozen().exists():
        renew_publication(build=not raw)


def public_written_in_bulk(sender, records, fields, **kwargs):
    if sender in LIVE_MODELS:
        renew_publication()
    elif sender is Base and {name.removesuffix("_id") for name in BASE_FIELDS} & {
            name.removesuffix("_id") for name in fields}:
        renew_publication(live=True)
    elif sender is BaseRoundRecord and SurveyRound.objects.filter(
            pk__in={record.survey_round_id for record in records}).frozen().exists():
        renew_publication()


def build_after_renewal(sender, **kwargs):
    enqueue_build()
