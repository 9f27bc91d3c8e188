"""Item pipelines: everything after a page is fetched (cleaning, validation, writing)."""
