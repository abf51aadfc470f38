"""The back office in a real browser (Debian's Chromium, driven by Selenium,
1366 px wide): log in, draft a sale with two items, confirm it, issue its
invoice and open its PDF. Skipped, saying why, where no browser is
installed (CI installs it and requires it: .ci/run)."""

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from core.models import Invoice, Sale
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import (
    ClientFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    InvoiceSeriesFactory,
    ProductFactory,
    UserFactory,
)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements-dev.txt)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1366, 900
PASSWORD = "a-strong-password-1"
# A folder to keep what the browser showed (ADMIN_SCREENSHOTS=/tmp/shots), for a look by eye.
SCREENSHOTS = Path(os.environ["ADMIN_SCREENSHOTS"]) if os.environ.get("ADMIN_SCREENSHOTS") else None

NO_BROWSER = "no Chromium here: apt-get install chromium chromium-driver (.ci/run does)"


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        # CI installs the browser and says so: there a missing one is a failure, not a skip.
        if os.environ.get("ADMIN_BROWSER_TEST") == "required":
            pytest.fail(NO_BROWSER)
        pytest.skip(NO_BROWSER)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    # The agency's language: the admin answers in Spanish.
    options.add_experimental_option("prefs", {"intl.accept_languages": "es"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_window_size(WIDTH, HEIGHT)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def agency(transactional_db):
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    for _ in range(3):
        ImportedTicketFactory(passenger_name="VALDERRAMA SANTISTEBAN/MARIA DE LOS ANGELES ALEJANDRA MR")
    return {
        "staff": UserFactory(username="mostrador", is_staff=True, is_superuser=True),
        "currency": CurrencyFactory(code="PEN", name_es="sol peruano"),
        "client": ClientFactory(name="Agencia de Viajes y Turismo Ñáñez Hermanos y Asociados S.A.C."),
        "tour": ProductFactory(name="City tour Lima", default_tax_rate=Decimal(18)),
        "transfer": ProductFactory(name="Traslado aeropuerto", default_tax_rate=Decimal(18)),
    }


def wait(driver, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def choose(driver, select_id: str, typed: str, option_text: str) -> None:
    """Pick an option of an autocomplete (select2) field by typing part of it."""
    driver.find_element(By.CSS_SELECTOR, f"#{select_id} + .select2 .select2-selection").click()
    search = wait(driver).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, ".select2-container--open input"))
    )
    search.send_keys(typed)
    option = wait(driver).until(
        expected_conditions.element_to_be_clickable(
            (By.XPATH, f"//li[contains(@class, 'select2-results__option') and contains(., '{option_text}')]")
        )
    )
    option.click()


def fill(driver, field_id: str, value: str) -> None:
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(value)


def overflow(driver) -> list[int]:
    """How far the page, and the list's table, reach past their width (px)."""
    return driver.execute_script(
        """
        const table = document.getElementById("result_list");
        return [document.documentElement.scrollWidth - document.documentElement.clientWidth,
                table.scrollWidth - table.parentElement.clientWidth];
        """
    )


def shown_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text.replace("\xa0", " ")


def fetch(driver, url: str) -> list:
    """GET `url` from the page, with its session: status, content type, first bytes."""
    return driver.execute_async_script(
        """
        const [url, done] = arguments;
        fetch(url).then(async (response) => {
            const bytes = new Uint8Array(await response.arrayBuffer());
            done([response.status, response.headers.get("Content-Type"), String.fromCharCode(...bytes.slice(0, 5))]);
        });
        """,
        url,
    )


def test_draft_confirm_invoice_and_open_the_pdf(live_server, browser, agency):
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    fill(browser, "id_username", "mostrador")
    fill(browser, "id_password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    wait(browser).until(expected_conditions.presence_of_element_located((By.ID, "dashboard")))
    if SCREENSHOTS:
        browser.save_screenshot(str(SCREENSHOTS / "dashboard.png"))

    # Draft: the client found without its accents, two items.
    browser.get(f"{live_server.url}/admin/core/sale/add/")
    choose(browser, "id_client", "nanez", "Ñáñez")
    choose(browser, "id_currency", "PEN", "PEN")
    choose(browser, "id_items-0-product", "city", "City tour Lima")
    fill(browser, "id_items-0-quantity", "2")
    fill(browser, "id_items-0-unit_price", "1661.95")
    choose(browser, "id_items-1-product", "traslado", "Traslado aeropuerto")
    fill(browser, "id_items-1-unit_price", "0")
    fill(browser, "id_items-1-description", "Traslado de cortesía")
    if SCREENSHOTS:
        browser.save_screenshot(str(SCREENSHOTS / "add.png"))
    browser.find_element(By.NAME, "_save").click()
    confirm = wait(browser).until(expected_conditions.element_to_be_clickable((By.NAME, "confirm")))
    if SCREENSHOTS:
        browser.save_screenshot(str(SCREENSHOTS / "draft.png"))
    sale = Sale.objects.get()
    assert (sale.status, sale.items.count(), sale.total) == (Sale.Status.DRAFT, 2, Decimal("3922.20"))
    assert "PEN 3,922.20" in shown_text(browser)

    # Confirm, then issue the invoice from the sale's page.
    confirm.click()
    wait(browser).until(
        expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#sale-workflow a[href$='/invoice/']"))
    ).click()
    wait(browser).until(expected_conditions.element_to_be_clickable((By.NAME, "submit"))).click()
    pdf_link = wait(browser).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "a[href$='/pdf/']"))
    )
    invoice = Invoice.objects.get()
    assert invoice.full_number in browser.page_source
    if SCREENSHOTS:
        browser.save_screenshot(str(SCREENSHOTS / "invoice.png"))
    assert Sale.objects.get().status == Sale.Status.INVOICED

    # Its PDF, through the admin, with the staff's session.
    status, content_type, start = fetch(browser, pdf_link.get_attribute("href"))
    assert (status, content_type, start) == (200, "application/pdf", "%PDF-")

    # The lists fit the screen: no column pushed past 1366 px.
    for page in ("sale", "invoice", "importedticket", "client"):
        browser.get(f"{live_server.url}/admin/core/{page}/")
        if SCREENSHOTS:
            browser.save_screenshot(str(SCREENSHOTS / f"{page}-list.png"))
        assert overflow(browser) == [0, 0], page
        if page == "sale":
            assert "PEN 3,922.20" in shown_text(browser)
