"""The records as lists, one rule each for the staff list pages, the API and the admin: the FilterSets
(``filters``, NetBox style: one per model) and the free-text search (``search``)."""
