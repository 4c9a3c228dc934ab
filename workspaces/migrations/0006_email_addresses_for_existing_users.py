"""Accounts move to django-allauth: every existing user with an email address
gets it recorded as the primary address (allauth's EmailAddress).

Not verified: nobody ever proved to receive mail there (sign-up did not ask),
so the first sign-in sends the confirmation link. The demo's two accounts,
whose addresses are not real, are the exception: members of the demo
workspace named as `load_demo` names them, they are marked verified so that
`make run` keeps its two logins (load_demo does the same for new databases).
Several accounts may share an address; each gets it unverified, and the
first to confirm it keeps it (a verified address belongs to one account).
"""

from django.conf import settings
from django.db import migrations

DEMO_WORKSPACE = "demo"
DEMO_USERNAMES = ("demo", "lawyer")


def forwards(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    EmailAddress = apps.get_model("account", "EmailAddress")
    Membership = apps.get_model("workspaces", "Membership")
    demo_user_ids = set(
        Membership.objects.filter(
            workspace__slug=DEMO_WORKSPACE, user__username__in=DEMO_USERNAMES
        ).values_list("user_id", flat=True)
    )
    verified_taken = set(EmailAddress.objects.filter(verified=True).values_list("email", flat=True))
    for user in User.objects.exclude(email="").order_by("pk").iterator():
        if EmailAddress.objects.filter(user_id=user.pk).exists():
            continue
        email = user.email.strip().lower()
        verified = user.pk in demo_user_ids and email not in verified_taken
        EmailAddress.objects.create(user_id=user.pk, email=email, primary=True, verified=verified)
        if verified:
            verified_taken.add(email)


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0005_workspace_require_mfa"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
