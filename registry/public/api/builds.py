"""What the API has the publication's build (registry/public/publishing_tasks.py) make: every published round's
summary."""
from registry.public.api.views import public_summary
from registry.public.publishing_tasks import builds_round

builds_round(10)(public_summary)
