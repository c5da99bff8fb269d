"""Create the superuser who runs the admin, or give it a new password.

python manage.py ensure_admin                      # user "admin", random password
ADMIN_PASSWORD=… python manage.py ensure_admin --password-env ADMIN_PASSWORD
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

LOGIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    help = "Crée le superutilisateur de l'admin s'il manque, sinon change son mot de passe."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Identifiant (défaut : admin).")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Lire le mot de passe dans cette variable d'environnement au lieu d'en tirer un.",
        )

    def handle(self, *args, username, password_env, **options):
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        created = user is None
        if created:
            user = User(**{User.USERNAME_FIELD: username})
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(
                    f"La variable d'environnement {password_env} est vide ou absente."
                )
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        else:
            password = self.random_password(user)
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()

        verb = "créé" if created else "mis à jour (nouveau mot de passe)"
        self.stdout.write(self.style.SUCCESS(f"Superutilisateur « {username} » {verb}."))
        shown = f"(celui de ${password_env})" if password_env else password
        self.stdout.write(f"Identifiant : {username} / Mot de passe : {shown}")
        self.stdout.write(f"Connexion : {LOGIN_URL}")

    @staticmethod
    def random_password(user):
        """A random password that the project's AUTH_PASSWORD_VALIDATORS accept."""
        while True:
            password = secrets.token_urlsafe(18)  # 24 characters, 144 bits
            try:
                validate_password(password, user)
            except ValidationError:
                continue
            return password
