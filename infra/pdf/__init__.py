"""The PdfLayer: the native libraries and fonts WeasyPrint needs on Lambda, taken from Debian's
packages (``python -m infra.pdf.layer OUT``), their closure check (``python -m infra.pdf.closure
DIR``) and a render inside the Lambda base image (``python -m infra.pdf.smoke``)."""
