"""The who and why of history entries as shown (registry/core/history/labels.py)."""
from django import template

from registry.core.history import labels

register = template.Library()
register.filter("actor_label", labels.actor_label)
register.filter("reason_label", labels.reason_label)
