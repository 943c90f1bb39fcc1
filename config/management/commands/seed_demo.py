from django.core.management.base import BaseCommand

from config.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load demo components, a user per role and incidents in every state (idempotent)."

    def handle(self, *args, **options) -> None:
        created = seed_demo()
        summary = ", ".join(f"{count} {what}" for what, count in created.items())
        self.stdout.write(f"Demo data: created {summary}. Demo logins use the password {DEMO_PASSWORD!r}.")
