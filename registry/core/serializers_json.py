"""Django's JSON serialization, keeping times to the microsecond (dumpdata, loaddata, backup, restore).

DjangoJSONEncoder writes times to the millisecond, so a restored history would no
longer be the one backed up (and entries saved within one millisecond would lose
their order). Reading is Django's own: it parses microseconds.
"""
import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        self.options.setdefault("cls", ExactJSONEncoder)
        super()._init_options()


Deserializer = django_json.Deserializer
