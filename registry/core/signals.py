"""Every signal the core listens to, connected by ``connect()`` from RegistryConfig.ready(): each history row
simple-history writes gets the columns of the action in progress (registry/core/history/tracking.py)."""
from simple_history.signals import pre_create_historical_record

from registry.core.history.tracking import fill_history_extras


def connect():
    pre_create_historical_record.connect(fill_history_extras, dispatch_uid="history_extras")
