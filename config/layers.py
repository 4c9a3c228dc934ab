"""The project's apps in layers, lowest first: an app may import only from
the apps before it, never from one after it (tests/test_layers.py checks
every import, also those inside functions).

A lower app that needs something of a higher one offers a registry or a
signal, and the higher app fills it in its AppConfig.ready(): e.g. the
self-assessment's part of the interchange document (filings.interchange.
register_part), its wizard panels (filings.wizard.register_panel_kind), the
catalogue the checks read (filings.applicability.register_catalogue), the
registry lookup (filings.services.register_registry_lookup) and the comment
threads beside the fields (filings.threads.register).
"""

LAYERS: tuple[str, ...] = (
    "workdays",  # the working-day calendar
    "workspaces",  # tenancy, members, roles and permissions
    "filings",  # providers, services, algorithms, filings, checks, interchange
    "registry",  # the CAC's published lists
    "assessments",  # the self-assessment
    "reviews",  # comments, review requests, decisions, the feed's mails
    "documents",  # the PDFs and the submission package
    "demo",  # the demo workspace (manage.py load_demo)
)
