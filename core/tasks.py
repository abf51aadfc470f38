from celery import shared_task

from core.services.cache_warmup import warm_catalog_caches
from core.services.invoicing import invoice_pdf_generate


@shared_task(name="core.warmup_cache")
def warmup_cache_task() -> dict[str, int]:
    """Fill every catalog cache; safe to run any number of times."""
    return warm_catalog_caches()


@shared_task(name="core.generate_pdf", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def generate_pdf_async(document: str, document_id: int) -> bool:
    """Render and store the PDF of a document ("invoice", ...). A no-op when it
    already has one, so running it twice makes one file."""
    if document == "invoice":
        return invoice_pdf_generate(invoice_id=document_id)
    raise ValueError(f"no PDF is made for {document!r}")
