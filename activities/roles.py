"""The three editorial roles, as Django groups with their permissions.

The groups are created by a migration (0004_roles) and brought back in line with this
file after every ``migrate`` (``ActivitiesConfig.ready``), so that a model added later
gets its permissions in every role. A role's permissions are the ones below, nothing
else: change them here, not in the admin.
"""

REDACTEUR = "Rédacteur"
EDITEUR = "Éditeur"
ADMINISTRATEUR = "Administrateur"

ACTIVITIES = ("programme", "researchproject", "thesis", "publication", "campusinitiative")
# Rows edited inside an activity's form (inlines).
ACTIVITY_ROWS = (
    "programmepartner",
    "programmespeciality",
    "programmefigure",
    "projectpartner",
    "projectmember",
    "thesissupervisor",
    "authorship",
    "initiativefigure",
)
# The yearly report's editions and their rows (activities.models.report): publishers'.
REPORT = ("reportedition", "reportstructure")
CRUD = ("view", "add", "change", "delete")


def _perms(models, actions, app="activities"):
    return [f"{app}.{action}_{model}" for model in models for action in actions]


# A Rédacteur edits the entries of their structures (the admin scopes it) and submits them
# for review; adds the people and partners they need; cannot publish.
_REDACTEUR = [
    *_perms(ACTIVITIES + ACTIVITY_ROWS, CRUD),
    *_perms(["person"], ("view", "add", "change")),
    *_perms(["organisation"], ("view", "add")),
    *_perms(["structure", "sdgtarget"], ("view",)),
]

# An Éditeur reviews, publishes and unpublishes, edits anything, and writes the editions
# of the yearly report.
_EDITEUR = [
    *_perms(ACTIVITIES + ACTIVITY_ROWS + ("person", "organisation"), CRUD),
    *_perms(REPORT, CRUD),
    *[f"activities.publish_{model}" for model in ACTIVITIES],
    *_perms(["structure", "sdgtarget"], ("view",)),
    "activities.edit_all_structures",
]

# An Administrateur manages users, groups and reference data, and can do all the rest.
_ADMINISTRATEUR = [
    *_EDITEUR,
    *_perms(["structure", "editorship"], CRUD),
    *_perms(["sdgtarget"], ("change",)),
    *_perms(["user", "group"], CRUD, app="auth"),
    "admin.view_logentry",
]

ROLES = {
    REDACTEUR: _REDACTEUR,
    EDITEUR: _EDITEUR,
    ADMINISTRATEUR: sorted(set(_ADMINISTRATEUR)),
}


def apply_roles(apps, using="default"):
    """Create the role groups and give each exactly its permissions.

    ``apps`` is a migration's app registry or the live one. Returns the permissions
    listed above that the database does not have (empty once every model is migrated).
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    existing = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    missing = set()
    for name, labels in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        missing.update(label for label in labels if label not in existing)
        group.permissions.set([existing[label] for label in labels if label in existing])
    return sorted(missing)
