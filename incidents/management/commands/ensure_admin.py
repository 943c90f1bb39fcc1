"""Make sure an admin login exists. Honours DJANGO_SUPERUSER_USERNAME/PASSWORD/EMAIL."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin login if no superuser exists (idempotent)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if password and not existing.check_password(password):
                existing.set_password(password)
                existing.save(update_fields=["password"])
                self.stdout.write(f"Admin login: {username} (password from DJANGO_SUPERUSER_PASSWORD)")
            return
        if User.objects.filter(is_superuser=True).exists() and "DJANGO_SUPERUSER_USERNAME" not in os.environ:
            return
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n  Admin login created (shown once): http://127.0.0.1:8000/admin/\n"
                    f"    username: {username}\n    password: {password}\n"
                )
            )
        else:
            self.stdout.write(f"Admin login created: {username} (password from DJANGO_SUPERUSER_PASSWORD)")
