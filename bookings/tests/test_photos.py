"""Listing photos: refused with the reason when they are not what we take,
processed by a worker into upright web copies without metadata, ordered,
with one cover, retried after a failure, and their files removed with them."""

import time
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from bookings.models import ListingPhoto
from bookings.services import photos
from bookings.tests.factories import HostFactory, ListingFactory, image_bytes, upload
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = ListingPhoto.Status


@pytest.fixture
def host():
    return HostFactory()


@pytest.fixture
def host_client(host):
    client = APIClient()
    client.force_authenticate(host)
    return client


@pytest.fixture
def listing(host):
    return ListingFactory(host=host)


def photo_with_camera_metadata() -> bytes:
    """A 3000 × 2000 photo taken with the camera turned (EXIF orientation 6:
    upright it is 2000 wide, 3000 tall), with the place it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Cámara"
    exif[ExifTags.IFD.GPSInfo] = {1: "S", 2: (12.0, 7.0, 30.0), 3: "W", 4: (77.0, 1.0, 48.0)}
    return image_bytes(3000, 2000, "JPEG", exif=exif)


def post_photo(client, listing, data: bytes, name: str = "photo.jpg"):
    return client.post(f"/api/listings/{listing.pk}/photos/", {"file": upload(data, name)}, format="multipart")


def test_a_photo_is_made_upright_web_sized_and_stripped_of_metadata(
    host_client, listing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(host_client, listing, photo_with_camera_metadata(), name="IMG_0001.JPG")

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    photo = ListingPhoto.objects.get()
    assert (photo.status, photo.width, photo.height) == (Status.READY, 1920, 2880)
    for field, size in [
        ("large_jpeg", (1920, 2880)),
        ("large_webp", (1920, 2880)),
        ("thumb_jpeg", (400, 600)),
        ("thumb_webp", (400, 600)),
    ]:
        with getattr(photo, field).open("rb") as file, Image.open(file) as image:
            assert image.size == size, field
            assert image.format == ("JPEG" if field.endswith("jpeg") else "WEBP")
            assert not image.getexif(), f"{field} kept metadata"
            assert "exif" not in image.info
    listed = host_client.get(f"/api/listings/{listing.pk}/photos/").json()
    assert listed[0]["thumb_webp"].endswith(".webp")
    assert listed[0]["is_cover"] is True


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"Hola, esto no es una imagen.", "not_an_image"),
        (b"%PDF-1.4 un PDF", "not_an_image"),
        (image_bytes(800, 600, "GIF"), "unsupported_image"),
        (image_bytes(800, 600, "BMP"), "unsupported_image"),
        (image_bytes(300, 600, "JPEG"), "bad_dimensions"),
        (image_bytes(12_500, 400, "PNG"), "bad_dimensions"),
    ],
)
def test_what_is_not_a_photo_we_take_is_refused_with_the_reason(host_client, listing, data, code):
    response = post_photo(host_client, listing, data)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "file" in response.json()["errors"]
    assert not ListingPhoto.objects.exists()


@pytest.mark.parametrize("side", [9_000, 12_000])
def test_a_decompression_bomb_is_refused_without_being_decoded(host_client, listing, side):
    # A one-bit image of side × side pixels: a small file that would take
    # hundreds of megabytes once decoded.
    buffer = BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 2_000_000

    response = post_photo(host_client, listing, buffer.getvalue(), name="bomb.png")

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS == photos.PHOTO_MAX_PIXELS


def test_a_file_over_the_limit_is_a_413(host_client, listing, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 10_000)

    response = post_photo(host_client, listing, image_bytes(800, 600, "PNG", compress_level=0))

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_photo_that_cannot_be_processed_fails_with_its_reason_and_can_be_retried(
    host_client, listing, django_capture_on_commit_callbacks
):
    # The header is whole (the upload is accepted) but the picture is cut off.
    truncated = image_bytes(800, 600, "JPEG")[:700]
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(host_client, listing, truncated)
    photo = ListingPhoto.objects.get()
    assert photo.status == Status.FAILED
    assert photo.failure_reason

    with django_capture_on_commit_callbacks(execute=True):
        retried = host_client.post(f"/api/listings/{listing.pk}/photos/{photo.pk}/retry/")

    assert retried.status_code == 202
    photo.refresh_from_db()
    assert (photo.status, photo.attempts) == (Status.FAILED, 2)
    assert host_client.post(f"/api/listings/{listing.pk}/photos/{photo.pk}/retry/").status_code == 202
    assert host_client.post(f"/api/listings/{listing.pk}/photos/{photo.pk}/retry/").status_code == 409


def test_processing_twice_makes_one_set_of_files(listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        photo = photos.photo_upload(listing=listing, file=upload(image_bytes()))

    assert photos.photo_process(photo_id=photo.pk) is True
    assert photos.photo_process(photo_id=photo.pk) is False

    names = sorted(default_storage.listdir(f"listings/{listing.pk}")[1])
    assert len(names) == 5  # the original and four copies


def test_the_first_photo_is_the_cover_and_the_cover_can_move_and_pass_on(
    host, host_client, django_capture_on_commit_callbacks
):
    listing = ListingFactory(host=host, status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_photo(host_client, listing, image_bytes()).json()
        second = post_photo(host_client, listing, image_bytes()).json()
    assert (first["is_cover"], second["is_cover"]) == (True, False)
    assert (first["position"], second["position"]) == (0, 1)

    host_client.patch(f"/api/listings/{listing.pk}/photos/{second['id']}/", {"is_cover": True}, format="json")
    assert list(listing.photos.filter(is_cover=True).values_list("id", flat=True)) == [second["id"]]

    with django_capture_on_commit_callbacks(execute=True):
        host_client.delete(f"/api/listings/{listing.pk}/photos/{second['id']}/")
    assert list(listing.photos.filter(is_cover=True).values_list("id", flat=True)) == [first["id"]]


def test_deleting_a_photo_removes_its_files_after_commit(host, host_client, django_capture_on_commit_callbacks):
    listing = ListingFactory(host=host, status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(host_client, listing, image_bytes())
    photo = ListingPhoto.objects.get()
    names = [file.name for file in (photo.original, *photo.derived_files)]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        host_client.delete(f"/api/listings/{listing.pk}/photos/{photo.pk}/")
        assert all(default_storage.exists(name) for name in names)  # not before the commit
    for callback in callbacks:
        callback()

    assert not any(default_storage.exists(name) for name in names)


def test_guests_cannot_upload_to_a_listing(api_client, listing):
    api_client.force_authenticate(UserFactory(role="guest"))

    assert post_photo(api_client, listing, image_bytes()).status_code == 404


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_an_uploaded_photo(celery_worker, host, host_client):
    listing = ListingFactory(host=host, status="draft")

    response = post_photo(host_client, listing, photo_with_camera_metadata())

    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while ListingPhoto.objects.get().status == Status.PENDING:
        assert time.monotonic() < deadline, "the worker did not process the photo"
        time.sleep(0.2)
    photo = ListingPhoto.objects.get()
    assert (photo.status, photo.width, photo.height) == (Status.READY, 1920, 2880)
    with photo.thumb_jpeg.open("rb") as file, Image.open(file) as image:
        assert not image.getexif()
    assert host_client.post(f"/api/listings/{listing.pk}/publish/").json()["status"] == "published"
