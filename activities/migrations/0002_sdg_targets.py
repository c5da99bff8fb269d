"""Load the 13 targets of SDG 3 with their official French and English texts.

Texts: United Nations, General Assembly resolution A/RES/70/1 (2015), "Transforming our
world: the 2030 Agenda for Sustainable Development", Goal 3, in its English and French
official versions.
"""

from django.db import migrations

TARGETS = [
    (
        "3.1",
        "Mortalité maternelle",
        "Maternal mortality",
        "D'ici à 2030, faire passer le taux mondial de mortalité maternelle au-dessous de 70 "
        "pour 100 000 naissances vivantes.",
        "By 2030, reduce the global maternal mortality ratio to less than 70 per 100,000 live "
        "births.",
    ),
    (
        "3.2",
        "Mortalité néonatale et infantile",
        "Newborn and child mortality",
        "D'ici à 2030, éliminer les décès évitables de nouveau-nés et d'enfants de moins de 5 "
        "ans, tous les pays devant chercher à ramener la mortalité néonatale à 12 pour 1 000 "
        "naissances vivantes au plus et la mortalité des enfants de moins de 5 ans à 25 pour "
        "1 000 naissances vivantes au plus.",
        "By 2030, end preventable deaths of newborns and children under 5 years of age, with "
        "all countries aiming to reduce neonatal mortality to at least as low as 12 per 1,000 "
        "live births and under-5 mortality to at least as low as 25 per 1,000 live births.",
    ),
    (
        "3.3",
        "Maladies transmissibles",
        "Communicable diseases",
        "D'ici à 2030, mettre fin à l'épidémie de sida, à la tuberculose, au paludisme et aux "
        "maladies tropicales négligées et combattre l'hépatite, les maladies transmises par "
        "l'eau et autres maladies transmissibles.",
        "By 2030, end the epidemics of AIDS, tuberculosis, malaria and neglected tropical "
        "diseases and combat hepatitis, water-borne diseases and other communicable diseases.",
    ),
    (
        "3.4",
        "Maladies non transmissibles et santé mentale",
        "Non-communicable diseases and mental health",
        "D'ici à 2030, réduire d'un tiers, par la prévention et le traitement, le taux de "
        "mortalité prématurée due à des maladies non transmissibles et promouvoir la santé "
        "mentale et le bien-être.",
        "By 2030, reduce by one third premature mortality from non-communicable diseases "
        "through prevention and treatment and promote mental health and well-being.",
    ),
    (
        "3.5",
        "Abus de substances psychoactives",
        "Substance abuse",
        "Renforcer la prévention et le traitement de l'abus de substances psychoactives, "
        "notamment de stupéfiants et d'alcool.",
        "Strengthen the prevention and treatment of substance abuse, including narcotic drug "
        "abuse and harmful use of alcohol.",
    ),
    (
        "3.6",
        "Accidents de la route",
        "Road traffic accidents",
        "D'ici à 2020, diminuer de moitié à l'échelle mondiale le nombre de décès et de "
        "blessures dus à des accidents de la route.",
        "By 2020, halve the number of global deaths and injuries from road traffic accidents.",
    ),
    (
        "3.7",
        "Santé sexuelle et procréative",
        "Sexual and reproductive health",
        "D'ici à 2030, assurer l'accès de tous à des services de soins de santé sexuelle et "
        "procréative, y compris à des fins de planification familiale, d'information et "
        "d'éducation, et la prise en compte de la santé procréative dans les stratégies et "
        "programmes nationaux.",
        "By 2030, ensure universal access to sexual and reproductive health-care services, "
        "including for family planning, information and education, and the integration of "
        "reproductive health into national strategies and programmes.",
    ),
    (
        "3.8",
        "Couverture sanitaire universelle",
        "Universal health coverage",
        "Faire en sorte que chacun bénéficie d'une couverture sanitaire universelle, "
        "comprenant une protection contre les risques financiers et donnant accès à des "
        "services de santé essentiels de qualité et à des médicaments et vaccins essentiels "
        "sûrs, efficaces, de qualité et d'un coût abordable.",
        "Achieve universal health coverage, including financial risk protection, access to "
        "quality essential health-care services and access to safe, effective, quality and "
        "affordable essential medicines and vaccines for all.",
    ),
    (
        "3.9",
        "Pollution et substances dangereuses",
        "Pollution and hazardous chemicals",
        "D'ici à 2030, réduire nettement le nombre de décès et de maladies dus à des "
        "substances chimiques dangereuses et à la pollution et à la contamination de l'air, "
        "de l'eau et du sol.",
        "By 2030, substantially reduce the number of deaths and illnesses from hazardous "
        "chemicals and air, water and soil pollution and contamination.",
    ),
    (
        "3.a",
        "Lutte antitabac",
        "Tobacco control",
        "Renforcer dans tous les pays, selon qu'il convient, l'application de la "
        "Convention-cadre de l'Organisation mondiale de la Santé pour la lutte antitabac.",
        "Strengthen the implementation of the World Health Organization Framework Convention "
        "on Tobacco Control in all countries, as appropriate.",
    ),
    (
        "3.b",
        "Vaccins et médicaments",
        "Vaccines and medicines",
        "Appuyer la recherche et la mise au point de vaccins et de médicaments contre les "
        "maladies, transmissibles ou non, qui touchent principalement les habitants des pays "
        "en développement, donner accès, à un coût abordable, à des médicaments et vaccins "
        "essentiels, conformément à la Déclaration de Doha sur l'Accord sur les ADPIC et la "
        "santé publique, qui réaffirme le droit qu'ont les pays en développement de tirer "
        "pleinement parti des dispositions de l'Accord sur les aspects des droits de "
        "propriété intellectuelle qui touchent au commerce relatives à la marge de manœuvre "
        "nécessaire pour protéger la santé publique et, en particulier, assurer l'accès "
        "universel aux médicaments.",
        "Support the research and development of vaccines and medicines for the communicable "
        "and non-communicable diseases that primarily affect developing countries, provide "
        "access to affordable essential medicines and vaccines, in accordance with the Doha "
        "Declaration on the TRIPS Agreement and Public Health, which affirms the right of "
        "developing countries to use to the full the provisions in the Agreement on "
        "Trade-Related Aspects of Intellectual Property Rights regarding flexibilities to "
        "protect public health, and, in particular, provide access to medicines for all.",
    ),
    (
        "3.c",
        "Financement et personnels de santé",
        "Health financing and workforce",
        "Accroître considérablement le budget de la santé et le recrutement, le "
        "perfectionnement, la formation et le maintien en poste du personnel de santé dans "
        "les pays en développement, notamment dans les pays les moins avancés et les petits "
        "États insulaires en développement.",
        "Substantially increase health financing and the recruitment, development, training "
        "and retention of the health workforce in developing countries, especially in least "
        "developed countries and small island developing States.",
    ),
    (
        "3.d",
        "Gestion des risques sanitaires",
        "Health risk management",
        "Renforcer les moyens dont disposent tous les pays, en particulier les pays en "
        "développement, en matière d'alerte rapide, de réduction des risques et de gestion "
        "des risques nationaux et mondiaux pour la santé.",
        "Strengthen the capacity of all countries, in particular developing countries, for "
        "early warning, risk reduction and management of national and global health risks.",
    ),
]


def load_targets(apps, schema_editor):
    SDGTarget = apps.get_model("activities", "SDGTarget")
    for order, (code, short_fr, short_en, text_fr, text_en) in enumerate(TARGETS, start=1):
        SDGTarget.objects.update_or_create(
            code=code,
            defaults={
                "order": order,
                "short_title": short_fr,
                "short_title_fr": short_fr,
                "short_title_en": short_en,
                "title": text_fr,
                "title_fr": text_fr,
                "title_en": text_en,
            },
        )


def remove_targets(apps, schema_editor):
    apps.get_model("activities", "SDGTarget").objects.filter(
        code__in=[code for code, *_ in TARGETS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(load_targets, remove_targets)]
