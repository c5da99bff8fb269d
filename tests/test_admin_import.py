"""The publishers' import page: a dry-run report first, nothing written before confirming."""

import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import Publication, Thesis
from activities.roles import EDITEUR, REDACTEUR

from .factories import StructureFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
URL = "/admin/importer/"


def upload(name, source="hal", **fields):
    content = (DATA / name).read_bytes()
    return {"source": source, "file": SimpleUploadedFile(Path(name).name, content), **fields}


def page(response):
    return html.unescape(response.content.decode())


def test_only_publishers_import(client, make_user):
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    client.force_login(make_user(REDACTEUR, structures=[StructureFactory()]))
    assert client.get(URL).status_code == 403
    assert client.post(URL, upload("hal/hal-search-response-full-record.json")).status_code == 403
    assert not Publication.objects.exists()


def test_a_file_is_previewed_then_written_on_confirmation(client, make_user):
    client.force_login(make_user(EDITEUR))
    response = client.post(URL, upload("hal/hal-search-response-full-record.json"))
    assert response.status_code == 200
    text = page(response)
    assert "1 créé(s)" in text and "rien n'a été écrit" in text
    assert "Confirmer et écrire" in text
    assert not Publication.objects.exists()

    params = response.context["params"]
    confirm = {**params, "step": "confirm", "publish": str(params["publish"])}
    done = client.post(URL, confirm, follow=True)
    assert "1 créé(s)" in page(done)
    publication = Publication.objects.get()
    assert publication.hal_id == "hal-02498602"
    assert publication.state == "draft"
    # The uploaded file is gone: confirming twice does not import twice.
    again = client.post(URL, confirm, follow=True)
    assert "n'est plus disponible" in page(again)
    assert Publication.objects.count() == 1


def test_theses_and_bibtex_files_too(client, make_user):
    client.force_login(make_user(EDITEUR))
    response = client.post(URL, upload("thesesfr/these-2022EMAL0007.json", source="theses"))
    assert response.status_code == 200 and "créé(s)" in page(response)
    assert not Thesis.objects.exists()
    response = client.post(URL, upload("bibtex/accents.bib", source="bibtex"))
    assert response.status_code == 200 and "créé(s)" in page(response)
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("bibtex/latin1.bib", "hal", "HAL"),
        ("bibtex/latin1.bib", "bibtex", "UTF-8"),
        ("hal/page-1.json", "bibtex", ""),
    ],
)
def test_a_bad_file_is_explained_and_writes_nothing(client, make_user, name, source, message):
    client.force_login(make_user(EDITEUR))
    response = client.post(URL, upload(name, source=source))
    assert response.status_code == 200
    assert message in page(response)
    assert not Publication.objects.exists()


def test_a_forged_token_reads_no_file(client, make_user):
    client.force_login(make_user(EDITEUR))
    forged = {"step": "confirm", "source": "hal", "token": "../../etc/passwd", "publish": "False"}
    response = client.post(URL, {**forged, "query": "", "collection": ""}, follow=True)
    assert "n'est plus disponible" in page(response)


def test_the_form_asks_for_exactly_one_source(client, make_user):
    client.force_login(make_user(EDITEUR))
    response = client.post(URL, {"source": "hal"})
    assert "Donnez un fichier, une requête ou une collection." in page(response)
    response = client.post(URL, {"source": "bibtex", "query": "x"})
    assert "depuis un fichier" in page(response)
