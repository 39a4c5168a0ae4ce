"""The printable packet: an instruction sheet (values to copy, QR code, short code) and
the blank form of the packet's scenario, on A4 or US Letter."""

import io

import qrcode
from django.utils import timezone
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from benchmark import forms as bforms
from curation.volunteers import services, tokens
from curation.volunteers.models import Packet

PAPERS = {"a4": A4, "letter": LETTER}
MARGIN = 42
QR_SIZE = 132
# The footer (code reminder and the printed link) sits below this height.
FOOTER_TOP = MARGIN + 34
INSTRUCTIONS = (
    "Print the next page: it is the blank form. Fill it in by hand, with a pen, copying "
    "the values below exactly as they are written.",
    "These values belong to nobody: they are made up for a privacy benchmark. Never write "
    "real personal data on the form, neither yours nor anyone else's.",
    "Photograph the whole sheet, all four corners in the picture: flat on a table, or in a "
    "real setting such as a desk or a clipboard. Good light, no flash glare.",
    "No faces, no people, no other papers or screens with real information in the photo.",
    "Scan the QR code with your phone and upload the photo there. The page shows when it "
    "has been received and whether it was accepted.",
)


def paper_choice(value: str | None) -> str:
    return value if value in PAPERS else "a4"


def packets_pdf(packets: list[Packet], paper: str) -> bytes:
    """Two pages per packet: instructions and values, then the blank form."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAPERS[paper], pageCompression=0)
    canvas.setTitle("MM-Privacy photo packets" if len(packets) > 1 else str(packets[0]))
    canvas.setAuthor("MM-Privacy Curation")
    blank_forms: dict[tuple, ImageReader] = {}
    for packet in packets:
        _instruction_page(canvas, packet)
        canvas.showPage()
        key = (packet.scenario, packet.variant, packet.target_type)
        if key not in blank_forms:
            blank_forms[key] = ImageReader(_blank_form(packet))
        _form_page(canvas, blank_forms[key], paper)
        canvas.showPage()
        canvas.setPageSize(PAPERS[paper])
    canvas.save()
    return buffer.getvalue()


def _blank_form(packet: Packet):
    return bforms.render_form(
        packet.identity.data,
        packet.scenario,
        packet.variant,
        target_type=packet.target_type or None,
        blank=True,
    ).image


def _instruction_page(canvas: Canvas, packet: Packet) -> None:
    width, height = canvas._pagesize
    link = tokens.upload_url(packet)
    top = height - MARGIN
    _draw_qr(canvas, link, width - MARGIN - QR_SIZE, top - QR_SIZE)
    canvas.setFont("Courier-Bold", 18)
    canvas.drawCentredString(width - MARGIN - QR_SIZE / 2, top - QR_SIZE - 18, packet.display_code)
    text_width = width - 2 * MARGIN - QR_SIZE - 18
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(MARGIN, top - 20, "MM-Privacy photo packet")
    canvas.setFont("Helvetica", 12)
    canvas.drawString(MARGIN, top - 40, f"{_form_title(packet)} · packet {packet.display_code}")
    y = _draw_instructions(canvas, MARGIN, top - 70, text_width)
    y = min(y, top - QR_SIZE - 40) - 10
    y = _draw_values(canvas, packet, MARGIN, y, width - 2 * MARGIN)
    _draw_footer(canvas, packet, link, width)


def _form_title(packet: Packet) -> str:
    title = f"{packet.get_scenario_display()} form"
    if packet.target_type:
        title += f" ({packet.get_target_type_display()})"
    return title


def _draw_qr(canvas: Canvas, link: str, x: float, y: float) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    image = code.make_image(fill_color="black", back_color="white").get_image()
    canvas.drawImage(ImageReader(image.convert("RGB")), x, y, QR_SIZE, QR_SIZE)


def _draw_instructions(canvas: Canvas, x: float, y: float, width: float) -> float:
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(x, y, "How to take part")
    y -= 18
    for number, text in enumerate(INSTRUCTIONS, start=1):
        lines = simpleSplit(text, "Helvetica", 10.5, width - 16)
        canvas.setFont("Helvetica-Bold", 10.5)
        canvas.drawString(x, y, f"{number}.")
        canvas.setFont("Helvetica", 10.5)
        for line in lines:
            canvas.drawString(x + 16, y, line)
            y -= 13.5
        y -= 4
    return y


def _draw_values(canvas: Canvas, packet: Packet, x: float, y: float, width: float) -> float:
    """The label/value table; a form with more values than the page holds continues on
    the next page, so the footer below never overlaps it."""
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(x, y, "Values to copy by hand")
    y -= 8
    label_width = width * 0.36
    for field in services.packet_values(packet):
        label_lines = simpleSplit(field["label"], "Helvetica", 10.5, label_width - 10)
        value_lines = simpleSplit(str(field["value"]), "Courier-Bold", 12, width - label_width)
        row_height = 8 + 14 * max(1, len(value_lines), len(label_lines))
        if y - row_height < FOOTER_TOP:
            canvas.line(x, y, x + width, y)
            canvas.showPage()
            y = canvas._pagesize[1] - MARGIN
            canvas.setFont("Helvetica-Bold", 13)
            canvas.drawString(x, y, "Values to copy by hand (continued)")
            y -= 8
        canvas.setLineWidth(0.5)
        canvas.line(x, y, x + width, y)
        canvas.setFont("Helvetica", 10.5)
        for index, line in enumerate(label_lines):
            canvas.drawString(x, y - 15 - 14 * index, line)
        canvas.setFont("Courier-Bold", 12)
        for index, line in enumerate(value_lines):
            canvas.drawString(x + label_width, y - 15 - 14 * index, line)
        y -= row_height
    canvas.line(x, y, x + width, y)
    return y


def _draw_footer(canvas: Canvas, packet: Packet, link: str, width: float) -> None:
    valid_until = (timezone.now() + tokens.max_age()).date().isoformat()
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(
        MARGIN,
        MARGIN + 22,
        f"No QR scanner? Sign in, open My packets and enter the code {packet.display_code}. "
        f"The link works until {valid_until}.",
    )
    canvas.setFont("Courier", 6.5)
    for index, line in enumerate(_chunks(link, 110)):
        canvas.drawString(MARGIN, MARGIN + 10 - 8 * index, line)


def _chunks(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


def _form_page(canvas: Canvas, form: ImageReader, paper: str) -> None:
    """The blank form, as large as the printable area allows, centred; a form wider than
    tall gets a landscape page, so that its boxes are big enough to write in."""
    image_width, image_height = form.getSize()
    short, long = sorted(PAPERS[paper])
    landscape = image_width > image_height
    page_width, page_height = (long, short) if landscape else (short, long)
    canvas.setPageSize((page_width, page_height))
    scale = min((page_width - 2 * MARGIN) / image_width, (page_height - 2 * MARGIN) / image_height)
    width, height = image_width * scale, image_height * scale
    canvas.drawImage(form, (page_width - width) / 2, (page_height - height) / 2, width, height)
