"""Model fields of our own."""
from django_countries.fields import CountryField


class CountriesField(CountryField):
    """django-countries' ``CountryField(multiple=True)``, saving the codes it holds as they are.

    The library's field turns its codes into ``Country`` objects and back to codes on every save; a bulk import
    saves each base's countries four times (the base, the round's record and their history rows), which was about
    a tenth of its time. The column and its values are the library's (migrations see a ``CountryField``).
    """

    def __init__(self, *args, **kwargs):
        kwargs["multiple"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django_countries.fields.CountryField", args, kwargs

    def pre_save(self, model_instance, add):
        if self.attname not in model_instance.__dict__:  # deferred: the library loads it
            return super().pre_save(model_instance, add)
        codes = model_instance.__dict__[self.attname]  # cleaned codes: the descriptor cleans what is assigned
        return ",".join(codes) if codes else ""

    def codes(self, instance):
        """The codes ``instance`` holds, as they were cleaned when assigned (do not change the list).

        Reading the attribute builds one ``Country`` object per code, each looking its code up again: an import
        reads the countries of thousands of bases and records."""
        if self.attname not in instance.__dict__:  # deferred: the library loads it
            return [country.code for country in getattr(instance, self.attname)]
        return instance.__dict__[self.attname]


def stored_value(instance, field):
    """``getattr(instance, field.attname)``, but for a ``CountriesField`` the codes held (``CountriesField.codes``)."""
    if isinstance(field, CountriesField):
        return field.codes(instance)
    return getattr(instance, field.attname)
