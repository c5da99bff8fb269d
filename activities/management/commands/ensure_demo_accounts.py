"""One demo account per editorial role, so a newcomer can try each (make run calls it).

python manage.py ensure_demo_accounts      # creates them, or gives them new passwords

- redacteur-ceris: Rédacteur of the CERIS lab (and so of its team I3A);
- editeur: Éditeur (reviews, publishes, edits everything);
- administrateur: Administrateur (users, groups, reference data, and the rest).
Every run prints newly generated passwords. Not for production.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from activities.models import Editorship, Structure
from activities.roles import ADMINISTRATEUR, EDITEUR, REDACTEUR

from .ensure_admin import LOGIN_URL
from .ensure_admin import Command as EnsureAdmin

# username, role, structure slug (Rédacteur only)
DEMO_ACCOUNTS = (
    ("redacteur-ceris", REDACTEUR, "ceris"),
    ("editeur", EDITEUR, None),
    ("administrateur", ADMINISTRATEUR, None),
)


class Command(BaseCommand):
    help = "Crée un compte de démonstration par rôle (Rédacteur, Éditeur, Administrateur)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        self.stdout.write(f"Comptes de démonstration ({LOGIN_URL}) :")
        for username, role, structure_slug in DEMO_ACCOUNTS:
            user, _created = User._default_manager.get_or_create(username=username)
            password = EnsureAdmin.random_password(user)
            user.set_password(password)
            user.is_active = user.is_staff = True
            user.is_superuser = False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            where = ""
            if structure_slug:
                structure = Structure.objects.filter(slug=structure_slug).first()
                if structure is None:
                    where = " (aucune structure : chargez d'abord le rapport, load_report)"
                else:
                    Editorship.objects.get_or_create(user=user, structure=structure)
                    where = f" de {structure}"
            self.stdout.write(f"  {role}{where} — {username} / {password}")
