import datetime


class IsoDateConverter:
    """A survey round's reference date in URLs: /survey/2017-09-30/."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return datetime.date.fromisoformat(value)

    def to_url(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
